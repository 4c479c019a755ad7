// Errors for people: the text of anything thrown, and 422 field errors (src/server's problem+json
// `errors: [{field, message}]`) put under their fields of an antd form. Used by every form page
// (ConnectionForm, Mapping, the directory's account drawer) and the pages that show a failure.
import type { FieldError } from '../api';

/** The message of an Error, or the thrown value as text. */
export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** `extattrs[0].name`, `extattrs.0.name`, `members.mobile` → an antd form name path. */
function fieldPath(field: string): (string | number)[] {
  return field
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter((s) => s !== '')
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/**
 * Split 422 field errors into those a form shows under a field (`known` says whether the form
 * has it) and the rest (shown above the form).
 */
export function splitFieldErrors(
  errors: FieldError[],
  known: (path: (string | number)[]) => boolean,
): { fields: { name: (string | number)[]; errors: string[] }[]; rest: FieldError[] } {
  const byField = new Map<string, { name: (string | number)[]; errors: string[] }>();
  const rest: FieldError[] = [];
  for (const e of errors) {
    const name = fieldPath(e.field);
    if (!known(name)) {
      rest.push(e);
      continue;
    }
    const key = JSON.stringify(name);
    const entry = byField.get(key) ?? { name, errors: [] };
    entry.errors.push(e.message);
    byField.set(key, entry);
  }
  return { fields: [...byField.values()], rest };
}
