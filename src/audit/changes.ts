// What an audited write changed, field by field, as the audit log keeps it: before → after, with
// names where the value refers to another object, personal values masked and secrets left out
// (./redact.ts). Pure: the routes read the objects before and after the write and call this.
//
//   diffFields(before, after, { ignore: ['id', 'version'], name: (field, v) => … })
//   → [{ field: 'displayName', before: '王芳', after: '王芳芳' }, { field: 'mobile', before: '138****0001', after: '139****0002', kind: 'masked' }]
import { isPersonalField, isSecretKey, maskPersonal } from './redact.js';

export type AuditValue = string | number | boolean | null | AuditValue[];

export interface FieldChange {
  /** The field's name in the API (`displayName`); nested fields are dotted (`policies.safety.maxDeletes`, `attributes.cost_center`). */
  field: string;
  /** Absent when the object was created. */
  before?: AuditValue;
  /** Absent when the object was deleted. */
  after?: AuditValue;
  /** `masked`: personal data, the values are masked; `secret`: it changed, no value is recorded. Absent: the values as they are. */
  kind?: 'masked' | 'secret';
}

export interface DiffOptions {
  /** Fields never compared (ids, versions, timestamps). */
  ignore?: readonly string[];
  /** Fields whose nested objects are compared as one value (not field by field). */
  whole?: readonly string[];
  /** Replaces a value by what a person reads (an organization id by its path); called before masking. */
  name?: (field: string, value: AuditValue) => AuditValue;
}

type Flat = Map<string, AuditValue>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function toAuditValue(v: unknown): AuditValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(toAuditValue);
  return JSON.stringify(v);
}

function flatten(o: Record<string, unknown> | null, opts: DiffOptions, prefix = '', out: Flat = new Map()): Flat {
  for (const [k, v] of Object.entries(o ?? {})) {
    const field = prefix ? `${prefix}.${k}` : k;
    if (opts.ignore?.includes(field)) continue;
    if (isPlainObject(v) && !opts.whole?.includes(field)) flatten(v, opts, field, out);
    else out.set(field, toAuditValue(v));
  }
  return out;
}

const same = (a: AuditValue | undefined, b: AuditValue | undefined): boolean => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
const empty = (v: AuditValue | undefined): boolean => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

/**
 * The fields that differ between two states of an object (null: it did not exist before, or does
 * not any more), in the order of the later state's keys. On a create or a delete, empty fields are
 * left out.
 */
export function diffFields(before: Record<string, unknown> | null, after: Record<string, unknown> | null, opts: DiffOptions = {}): FieldChange[] {
  const a = flatten(before, opts);
  const b = flatten(after, opts);
  const fields = [...new Set([...b.keys(), ...a.keys()])];
  const out: FieldChange[] = [];
  for (const field of fields) {
    const was = a.get(field);
    const is = b.get(field);
    if (same(was, is)) continue;
    if ((before === null && empty(is)) || (after === null && empty(was))) continue;
    out.push(fieldChange(field, before === null ? undefined : (was ?? null), after === null ? undefined : (is ?? null), opts));
  }
  return out;
}

/** One change as recorded: named, then masked (personal) or without values (secret). */
export function fieldChange(field: string, before: AuditValue | undefined, after: AuditValue | undefined, opts: Pick<DiffOptions, 'name'> = {}): FieldChange {
  const leaf = field.split('.').pop()!;
  if (isSecretKey(leaf)) return { field, kind: 'secret' };
  const named = (v: AuditValue | undefined) => (v === undefined ? undefined : opts.name ? opts.name(field, v) : v);
  const change: FieldChange = { field };
  const personal = isPersonalField(field);
  const shown = (v: AuditValue | undefined) => (personal ? (maskPersonal(field, v) as AuditValue) : v);
  if (before !== undefined) change.before = shown(named(before))!;
  if (after !== undefined) change.after = shown(named(after))!;
  if (personal) change.kind = 'masked';
  return change;
}
