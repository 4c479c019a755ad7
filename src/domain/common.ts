// Shared plain types of the directory model.
import { type FlatParams, type MessageCode, coded } from '../messages/index.js';

export type Status = 'enabled' | 'disabled';
export const STATUSES: readonly Status[] = ['enabled', 'disabled'];

/** A custom attribute value: JSON scalars only, so every backend stores and compares them alike. */
export type AttributeValue = string | number | boolean | null;
export type Attributes = Record<string, AttributeValue>;

/** One field-level problem, as reported by the API (problem+json `errors`) and by validation. */
export interface FieldError {
  field: string;
  message: string;
  /**
   * A stable code and what the message names, for other languages: a catalogue code of src/messages
   * (`invalid.required`), or a mapping error's (E_UNKNOWN_FUNCTION, rendered as `mapping.<code>`).
   */
  code?: string;
  params?: Record<string, string | number>;
}

/** A field error whose message is the English of a catalogue code (src/messages), code and params kept. */
export function fieldError(field: string, code: MessageCode, params?: FlatParams): FieldError {
  return { field, ...coded(code, params) };
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
  if (typeof attrs !== 'object' || attrs === null || Array.isArray(attrs)) return [fieldError(field, 'invalid.not-object')];
  const errors: FieldError[] = [];
  for (const [k, v] of Object.entries(attrs)) {
    if (k.trim() === '' || k.length > 64 || CONTROL_CHARS.test(k)) errors.push(fieldError(`${field}.${k}`, 'invalid.attribute-name'));
    else if (!(v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))))
      errors.push(fieldError(`${field}.${k}`, 'invalid.attribute-value'));
  }
  return errors;
}
