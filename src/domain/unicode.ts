// Text must be valid Unicode. A JavaScript string can hold a lone surrogate (`"\ud800"` in JSON)
// that no encoding can store: the backends would keep U+FFFD instead, and a JSON answer would echo
// text that strict parsers refuse. Every text from outside — request bodies (src/server/json-body.ts)
// and import files (src/connectors/import/) — is checked here, once, rather than field by field.

/** A lone surrogate: with the u flag a surrogate pair reads as one code point, which is not Cs. */
const LONE_SURROGATE = /\p{Cs}/u;
const LONE_SURROGATES = /\p{Cs}/gu;

export const INVALID_TEXT_MESSAGE = 'is not valid Unicode text (it holds a lone surrogate, or bytes that are not UTF-8)';

const isValidText = (s: string): boolean => !LONE_SURROGATE.test(s);

/** A position in a JSON value: its key and its parent's position (shared, so deep values cost no copies). */
interface Place {
  key: string;
  parent: Place | null;
}
const pathOf = (p: Place | null): string => {
  const keys: string[] = [];
  for (let at = p; at; at = at.parent) keys.push(at.key);
  return keys.reverse().join('.');
};

/**
 * The fields of a JSON value whose text (a string value, or an object key) is not valid Unicode,
 * as dotted paths (`name`, `attributes.cost`, `extattrs.0.name`; `''` for the value itself). A bad
 * key is shown with U+FFFD in place of its surrogates, so the report is valid text. Iterative and
 * linear: a deeply nested body can exhaust neither the stack nor the time.
 */
export function invalidTextFields(value: unknown): string[] {
  const out: string[] = [];
  const stack: Array<[unknown, Place | null]> = [[value, null]];
  while (stack.length > 0) {
    const [v, place] = stack.pop()!;
    if (typeof v === 'string') {
      if (!isValidText(v)) out.push(pathOf(place));
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push([v[i], { key: String(i), parent: place }]);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, child] of Object.entries(v).reverse()) {
        if (isValidText(k)) stack.push([child, { key: k, parent: place }]);
        else out.push(pathOf({ key: k.replace(LONE_SURROGATES, '\uFFFD'), parent: place }));
      }
    }
  }
  return out;
}
