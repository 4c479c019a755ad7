// The embedded store's files hold password hashes, token digests, the audit log and personal data:
// created private under any umask, and `serve` warns about existing ones that others may read.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';
import { resolveServeConfig } from '../../src/server/config.js';
import { startService } from '../../src/server/service.js';
import { openStore } from '../../src/store/store.js';

const mode = (p: string): number => fs.statSync(p).mode & 0o777;

describe.skipIf(process.platform === 'win32')('store file modes', () => {
  let root: string;
  let umask: number;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-sync-modes-'));
    umask = process.umask(0o022);
  });
  afterEach(() => {
    process.umask(umask);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('creates the data directory 0700 and the SQLite files (with -wal and -shm) 0600 under umask 022', async () => {
    const dir = path.join(root, 'data');
    const file = path.join(dir, 'wecom-sync.sqlite');
    const store = await openStore({ kind: 'sqlite', file });
    try {
      await store.db.insertInto('audit_log').values({ id: 'a1', at: 'now', actor: 'x', actor_kind: 'system', action: 'test', target_type: null, target_id: null, detail: '{}', ip: null }).execute();
      expect(mode(dir)).toBe(0o700);
      for (const f of [file, `${file}-wal`, `${file}-shm`]) expect([f, mode(f)]).toEqual([f, 0o600]);
    } finally {
      await store.close();
    }
  });

  it('serve creates the secret key file in a 0700 directory, and warns at start about wider existing files', async () => {
    const quiet = { metrics: createMetrics({ defaults: false }), announce: () => {} };
    const dir = path.join(root, 'fresh');
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: new Writable({ write: (c, _e, done) => (lines.push(String(c)), done()) }) });
    const config = resolveServeConfig({ port: '0', dataDir: dir }, { WECOM_SYNC_ADMIN_PASSWORD: 'long-enough-pw' });
    let service = await startService(config, { ...quiet, logger });
    await service.close();
    expect(mode(dir)).toBe(0o700);
    expect(lines.join('')).not.toMatch(/other users/);

    const file = path.join(dir, 'wecom-sync.sqlite');
    fs.chmodSync(dir, 0o755);
    fs.chmodSync(file, 0o644);
    lines.length = 0;
    service = await startService(config, { ...quiet, logger });
    await service.close();
    const warnings = lines.map((l) => JSON.parse(l) as { level: string; msg: string; path?: string }).filter((l) => l.level === 'warn' && /other users/.test(l.msg));
    expect(warnings.map((w) => w.path).sort()).toEqual([dir, file, `${file}-shm`, `${file}-wal`].sort());
    expect(warnings.find((w) => w.path === file)!.msg).toContain(`chmod 600 ${file}`);
    expect(warnings.find((w) => w.path === dir)!.msg).toContain(`chmod 700 ${dir}`);
  });
});
