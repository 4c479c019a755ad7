// Shared plain types of the directory model.

export type Status = 'enabled' | 'disabled';
export const STATUSES: readonly Status[] = ['enabled', 'disabled'];

/** A custom attribute value: JSON scalars only, so every backend stores and compares them alike. */
export type AttributeValue = string | number | boolean | null;
export type Attributes = Record<string, AttributeValue>;

/** One field-level problem, as reported by the API (problem+json `errors`) and by validation. */
export interface FieldError {
  field: string;
  message: string;
  /** A stable code (e.g. a mapping error's E_UNKNOWN_FUNCTION) and what the message names, for other languages. */
  code?: string;
  params?: Record<string, string>;
}

/** Compares two attribute maps by value, ignoring key order. */
export function sameAttributes(a: Attributes, b: Attributes): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k) || a[k] !== b[k]) return false;
  }
  return true;
}

/** Length in Unicode code points. */
export const charLength = (s: string): number => [...s].length;

export const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

export function checkAttributes(attrs: unknown, field = 'attributes'): FieldError[] {
  if (typeof attrs !== 'object' || attrs === null || Array.isArray(attrs)) return [{ field, message: 'must be an object' }];
  const errors: FieldError[] = [];
  for (const [k, v] of Object.entries(attrs)) {
    if (k.trim() === '' || k.length > 64 || CONTROL_CHARS.test(k)) errors.push({ field: `${field}.${k}`, message: 'attribute names must be 1–64 printable characters' });
    else if (!(v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))))
      errors.push({ field: `${field}.${k}`, message: 'must be a string, number, boolean or null' });
  }
  return errors;
}
