// Distinguished names, just enough for placement: split into RDNs (RFC 4514 escapes), compare
// case-insensitively, and find the parent. A DN locates an entry; it never identifies one (the
// stable key does: entryUUID / objectGUID), so these are only used to place entries in the tree.

interface Rdn {
  /** Attribute type as written (`ou`, `OU`, `CN`). */
  type: string;
  /** The value, unescaped (`研发中心`, `Smith, John`). */
  value: string;
}

/** Decodes RFC 4514 escapes: `\,` `\+` … and `\XX` hex pairs (UTF-8 bytes). */
function unescapeValue(raw: string): string {
  const bytes: number[] = [];
  const out: string[] = [];
  const flush = (): void => {
    if (bytes.length > 0) out.push(Buffer.from(bytes).toString('utf8'));
    bytes.length = 0;
  };
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '\\' && i + 1 < raw.length) {
      const hex = raw.slice(i + 1, i + 3);
      if (/^[0-9a-fA-F]{2}$/.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
        continue;
      }
      flush();
      out.push(raw[i + 1]!);
      i++;
      continue;
    }
    flush();
    out.push(c);
  }
  flush();
  return out.join('');
}

/** Splits on unescaped `sep`. */
function splitUnescaped(text: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      cur += c + text[i + 1];
      i++;
    } else if (c === sep) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

/** The RDNs of a DN, leaf first. A multi-valued RDN (`cn=a+uid=b`) gives its first value. */
export function parseDn(dn: string): Rdn[] {
  if (dn.trim() === '') return [];
  // most DNs have no escapes: split natively (a pull parses every DN of the directory)
  const split = dn.includes('\\') ? (text: string, sep: string) => splitUnescaped(text, sep) : (text: string, sep: string) => text.split(sep);
  const unescape = dn.includes('\\') ? unescapeValue : (v: string) => v;
  return split(dn, ',').map((part) => {
    const first = split(part, '+')[0]!;
    const eq = first.indexOf('=');
    if (eq < 0) return { type: '', value: unescape(first.trim()) };
    return { type: first.slice(0, eq).trim(), value: unescape(first.slice(eq + 1).trim()) };
  });
}

/** A comparison key: types and values lower-cased, escapes resolved, spaces around `,` and `=` ignored. */
export function dnKey(dn: string): string {
  return parseDn(dn)
    .map((r) => `${r.type.toLowerCase()}=${r.value.toLowerCase().replace(/[\\,+=]/g, (c) => `\\${c}`)}`)
    .join(',');
}

/** The comparison key of the parent (`''` for a one-RDN DN): everything after the first unescaped comma. */
export function parentKey(key: string): string {
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c === 92 /* \\ */) i++;
    else if (c === 44 /* , */) return key.slice(i + 1);
  }
  return '';
}

/** The value of the leaf RDN, unescaped (`ou=研发中心,dc=x` → `研发中心`). */
export function leafValue(dn: string): string {
  return parseDn(dn)[0]?.value ?? '';
}

/** Whether `key` is `base` or inside it (both comparison keys). */
export function isWithin(key: string, base: string): boolean {
  return base === '' || key === base || key.endsWith(`,${base}`);
}
