// Temporary media (media/upload): files for batch imports and images for avatars, valid 3 days.
import { randomBytes } from 'node:crypto';
import { Errcode } from '../../wecom/errors/catalog.js';
import { LIMITS } from '../../wecom/rules/fields.js';
import { SimError } from '../errors.js';
import type { Company } from './company.js';

export type MediaType = 'image' | 'voice' | 'video' | 'file';
const MEDIA_TTL_MS = 3 * 24 * 3600 * 1000;
const MAX_BYTES: Record<MediaType, number> = {
  image: 5 * 1024 * 1024,
  voice: 5 * 1024 * 1024,
  video: 10 * 1024 * 1024,
  file: LIMITS.mediaFileMaxBytes,
};

export interface MediaRecord {
  media_id: string;
  type: MediaType;
  filename: string;
  createdAt: number;
  data: Buffer;
}

const isMediaType = (t: unknown): t is MediaType => t === 'image' || t === 'voice' || t === 'video' || t === 'file';

function looksLikeImage(data: Buffer): boolean {
  const png = data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const jpg = data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff;
  return png || jpg;
}

export class MediaStore {
  private readonly items = new Map<string, MediaRecord>();

  constructor(private readonly company: Company) {}

  /** Largest upload accepted for any type (the HTTP layer reads at most one byte more). */
  static readonly maxBytes = Math.max(...Object.values(MAX_BYTES));

  upload(type: unknown, filename: string, data: Buffer, truncated = false): MediaRecord {
    if (!isMediaType(type)) throw new SimError(Errcode.InvalidUploadType, 'type must be image, voice, video or file');
    if (data.length === 0) throw new SimError(Errcode.EmptyMedia, 'the uploaded file is empty');
    if (truncated || data.length > MAX_BYTES[type])
      throw new SimError(Errcode.MediaTooLarge, `a ${type} may be at most ${MAX_BYTES[type]} bytes`);
    if (data.length < LIMITS.mediaFileMinBytes)
      throw new SimError(Errcode.InvalidFileSize, `a file must be more than ${LIMITS.mediaFileMinBytes - 1} bytes`);
    if (type === 'image' && !looksLikeImage(data)) throw new SimError(Errcode.InvalidMediaType, 'an image must be JPG or PNG');
    this.prune();
    const rec: MediaRecord = {
      media_id: `3${randomBytes(30).toString('base64url')}`,
      type,
      filename,
      createdAt: this.company.now(),
      data,
    };
    this.items.set(rec.media_id, rec);
    return rec;
  }

  /** The media if it exists and has not expired. */
  find(mediaId: string): MediaRecord | undefined {
    const m = this.items.get(mediaId);
    if (!m) return undefined;
    if (this.company.now() - m.createdAt >= MEDIA_TTL_MS) {
      this.items.delete(mediaId);
      return undefined;
    }
    return m;
  }

  all(): MediaRecord[] {
    this.prune();
    return [...this.items.values()];
  }

  restore(m: MediaRecord): void {
    this.items.set(m.media_id, m);
  }

  private prune(): void {
    const now = this.company.now();
    for (const [id, m] of this.items) if (now - m.createdAt >= MEDIA_TTL_MS) this.items.delete(id);
  }
}
