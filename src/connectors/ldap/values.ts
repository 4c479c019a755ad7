// Attribute values as an LDAP server returns them: one entry's attributes by lower-cased name,
// every attribute a list (single values and absent ones included: ldapts gives an absent
// requested attribute as []), strings for text, Buffers for binary attributes. Binary
// attributes the mapping needs are decoded to canonical text here (objectGUID, objectSid).

export type AttributeValues = ReadonlyArray<string | Buffer>;

/** One entry as the reader hands it over. */
export interface RawEntry {
  dn: string;
  /** By lower-cased attribute name. */
  attributes: Readonly<Record<string, AttributeValues>>;
}

/** Attributes read as bytes (never as UTF-8 text, which would corrupt them). */
export const BINARY_ATTRIBUTES = ['objectGUID', 'objectSid', 'jpegPhoto', 'thumbnailPhoto', 'invocationId'];

/**
 * AD's GUID layout: the first three groups are little-endian, the last two as stored, printed
 * lower-case as Windows and `Get-ADUser` show it (without braces).
 */
export function guidToString(b: Buffer): string {
  if (b.length !== 16) return b.toString('hex');
  const hex = (from: number, to: number, reverse: boolean): string => {
    const part = [...b.subarray(from, to)];
    if (reverse) part.reverse();
    return Buffer.from(part).toString('hex');
  };
  return `${hex(0, 4, true)}-${hex(4, 6, true)}-${hex(6, 8, true)}-${hex(8, 10, false)}-${hex(10, 16, false)}`;
}

/** A Windows security identifier in its `S-1-5-21-…` form. */
export function sidToString(b: Buffer): string {
  if (b.length < 8) return b.toString('hex');
  const count = b[1]!;
  const authority = b.readUIntBE(2, 6);
  const subs: number[] = [];
  for (let i = 0; i < count && 8 + i * 4 + 4 <= b.length; i++) subs.push(b.readUInt32LE(8 + i * 4));
  return ['S', b[0], authority, ...subs].join('-');
}

/** Text of one value: binary attributes decoded, other bytes as base64. */
export function valueText(name: string, v: string | Buffer): string {
  if (typeof v === 'string') return v;
  const n = name.toLowerCase();
  if (n === 'objectguid' || n === 'invocationid') return guidToString(v);
  if (n === 'objectsid') return sidToString(v);
  return v.toString('base64');
}

/** All values of an attribute as text ([] when absent). */
export function values(entry: RawEntry, name: string): string[] {
  const list = entry.attributes[name.toLowerCase()] ?? [];
  return list.map((v) => valueText(name, v));
}

/** The first value (null when absent or empty after trimming). */
export function first(entry: RawEntry, name: string): string | null {
  for (const v of values(entry, name)) {
    const t = v.trim();
    if (t !== '') return t;
  }
  return null;
}

/** Entry attributes from ldapts's shape (`dn` plus attribute → string | string[] | Buffer | Buffer[]). */
export function fromLdapts(e: { dn: string; [k: string]: unknown }): RawEntry {
  const attributes: Record<string, AttributeValues> = {};
  for (const [k, v] of Object.entries(e)) {
    if (k === 'dn') continue;
    const list = Array.isArray(v) ? (v as Array<string | Buffer>) : [v as string | Buffer];
    const key = k.toLowerCase();
    attributes[key] = [...(attributes[key] ?? []), ...list];
  }
  return { dn: e.dn, attributes };
}
