// PATCH (RFC 7644 §3.5.2) on a stored resource, pure: the operations in, the new resource out.
// Written for what identity providers really send, not only for the RFC's examples:
//   - `op` in any case (Entra sends Add / Replace / Remove);
//   - a pathless add/replace whose value has dotted (`name.givenName`) or URN-prefixed
//     (`urn:…:enterprise:2.0:User:employeeNumber`) keys, or an extension object: each key is applied
//     on its own, and nothing else changes (Okta's group rename resends {id, displayName} with every
//     membership change: the members stay);
//   - `remove` on a multi-valued attribute with a `value` list removes exactly those values (Entra's
//     default behaviour, OneLogin) — never all of them; only a `remove` with neither filter nor value
//     empties the attribute;
//   - `remove` with a value filter (`members[value eq "…"]`) removes the matching elements;
//   - `add` of a value already there adds nothing (JumpCloud repeats member adds);
//   - a `replace` through a filter that matches nothing (`emails[type eq "work"].value` on a user
//     without a work e-mail) adds the element the filter describes;
//   - read-only attributes (id, meta, groups, schemas) in a value are ignored, not refused.
// Booleans sent as strings ("False") are left to normalizeResource (./resource.ts).
import { type Filter, matchElement, parseFilter } from './filter.js';
import { ScimError, invalidSyntax } from './errors.js';
import { type Json, isObject } from './resource.js';
import { type Attr, type ResourceShape, canonicalName, extensionSchema, findAttribute, splitSchema } from './schemas.js';

type PatchOpName = 'add' | 'replace' | 'remove';

interface PatchOperation {
  op: PatchOpName;
  path?: string;
  value?: unknown;
}

const READ_ONLY = new Set(['id', 'meta', 'schemas', 'groups']);

/** The operations of a PatchOp body; a body that is not one is a 400 invalidSyntax. */
export function readPatchBody(body: unknown): PatchOperation[] {
  if (!isObject(body)) throw invalidSyntax('the body must be a PatchOp message: {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [...]}');
  const key = Object.keys(body).find((k) => k.toLowerCase() === 'operations');
  const ops = key === undefined ? undefined : body[key];
  if (!Array.isArray(ops) || ops.length === 0) throw invalidSyntax('a PatchOp message needs a non-empty "Operations" list');
  return ops.map((o, i) => {
    if (!isObject(o)) throw invalidSyntax(`Operations[${i}] must be an object`);
    const get = (name: string): unknown => o[Object.keys(o).find((k) => k.toLowerCase() === name) ?? name];
    const op = typeof get('op') === 'string' ? (get('op') as string).toLowerCase() : '';
    if (op !== 'add' && op !== 'replace' && op !== 'remove') throw invalidSyntax(`Operations[${i}].op must be add, replace or remove, not ${JSON.stringify(get('op'))}`);
    const path = get('path');
    if (path !== undefined && path !== null && (typeof path !== 'string' || path.trim() === '')) throw new ScimError(400, `Operations[${i}].path must be a non-empty string`, 'invalidPath');
    const value = get('value');
    return { op, ...(typeof path === 'string' ? { path: path.trim() } : {}), ...(value !== undefined ? { value } : {}) };
  });
}

interface Path {
  /** null: a core attribute; else the extension URN it lives under. */
  schema: string | null;
  attr: string;
  filter: Filter | null;
  sub: string | null;
}

const PATH = /^([A-Za-z$][\w$-]*)(?:\[(.+)\])?(?:\.([A-Za-z$][\w$-]*))?$/s;

function parsePath(shape: ResourceShape, text: string): Path {
  const { schema, rest } = splitSchema(shape, text);
  const m = PATH.exec(rest);
  if (!m) throw new ScimError(400, `the path ${JSON.stringify(text)} is not a SCIM attribute path`, 'invalidPath');
  const filter = m[2] !== undefined ? parseFilter(m[2]) : null;
  const sub = m[3] ?? null;
  // `name.givenName` reads as attribute + sub-attribute; so does `emails[type eq "work"].value`.
  return { schema: schema === shape.schema ? null : schema, attr: m[1]!, filter, sub };
}

/** Applies the operations in order to a copy of `resource`; the original is not touched. */
export function applyPatch(shape: ResourceShape, resource: Json, ops: readonly PatchOperation[]): Json {
  const doc = structuredClone(resource);
  for (const op of ops) {
    if (op.path === undefined) pathless(shape, doc, op);
    else {
      const whole = extensionSchema(shape, op.path);
      if (whole) pathless(shape, doc, { op: op.op, value: op.op === 'remove' ? undefined : { [whole]: op.value } }, whole);
      else applyAt(shape, doc, op.op, parsePath(shape, op.path), op.value);
    }
  }
  return doc;
}

function pathless(shape: ResourceShape, doc: Json, op: PatchOperation, removeExtension?: string): void {
  if (op.op === 'remove') {
    if (removeExtension) delete doc[removeExtension];
    else throw new ScimError(400, 'a remove operation needs a path', 'noTarget');
    return;
  }
  if (!isObject(op.value)) throw invalidSyntax(`an ${op.op} operation without a path needs an object value`);
  for (const [k, v] of Object.entries(op.value)) {
    const ext = extensionSchema(shape, k);
    if (ext && isObject(v)) {
      for (const [ik, iv] of Object.entries(v)) applyAt(shape, doc, op.op, parsePath(shape, `${ext}:${ik}`), iv);
      continue;
    }
    const path = parsePath(shape, k);
    if (path.schema === null && path.filter === null && READ_ONLY.has(path.attr.toLowerCase())) continue;
    applyAt(shape, doc, op.op, path, v);
  }
}

function keyOf(o: Json, name: string, attrs: readonly Attr[] | undefined): string {
  return Object.keys(o).find((k) => k.toLowerCase() === name.toLowerCase()) ?? canonicalName(attrs, name);
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

/** Two elements of a multi-valued attribute are the same value: the same `value` (members, e-mails), or equal as a whole. */
function sameElement(a: unknown, b: unknown): boolean {
  if (isObject(a) && isObject(b) && a.value !== undefined && b.value !== undefined) return a.value === b.value;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The element a value filter describes, when it is nothing but equalities (`type eq "work"`); else null. */
function elementFrom(f: Filter): Json | null {
  if (f.op === 'eq' && !f.attrPath.includes('.')) return { [f.attrPath]: f.compValue };
  if (f.op === 'and') {
    const parts = f.filters.map(elementFrom);
    return parts.every((p) => p !== null) ? Object.assign({}, ...parts) : null;
  }
  return null;
}

function applyAt(shape: ResourceShape, doc: Json, op: PatchOpName, p: Path, value: unknown): void {
  if (p.schema === null && READ_ONLY.has(p.attr.toLowerCase())) return;
  let container: Json;
  if (p.schema === null) container = doc;
  else {
    const existing = doc[p.schema];
    if (!isObject(existing)) {
      if (op === 'remove') return;
      doc[p.schema] = {};
    }
    container = doc[p.schema] as Json;
  }
  const def = findAttribute(shape, p.schema, p.attr)?.attr;
  const attrs = p.schema === null ? shape.attributes : shape.extensions.find((e) => e.schema === p.schema)?.attributes;
  const key = keyOf(container, p.attr, attrs);
  const multi = def?.multiValued ?? Array.isArray(container[key]);

  if (p.filter) {
    const list = asList(container[key]);
    const matched = list.map((el, i) => (matchElement(def?.subAttributes, el, p.filter!) ? i : -1)).filter((i) => i >= 0);
    if (op === 'remove') {
      container[key] = p.sub === null ? list.filter((_, i) => !matched.includes(i)) : list.map((el, i) => (matched.includes(i) && isObject(el) ? withoutKey(el, p.sub!) : el));
      return;
    }
    if (matched.length === 0) {
      const base = elementFrom(p.filter);
      if (!base) throw new ScimError(400, `no value of ${p.attr} matches the filter`, 'noTarget');
      container[key] = [...list, p.sub === null ? { ...base, ...(isObject(value) ? value : { value }) } : { ...base, [p.sub]: value }];
      return;
    }
    container[key] = list.map((el, i) => {
      if (!matched.includes(i)) return el;
      if (p.sub !== null) return { ...(isObject(el) ? el : {}), [keyOf(isObject(el) ? el : {}, p.sub, def?.subAttributes)]: value };
      return op === 'replace' && !isObject(value) ? value : { ...(isObject(el) ? el : {}), ...(isObject(value) ? value : {}) };
    });
    return;
  }

  if (p.sub !== null) {
    if (multi) {
      // `emails.value` on a list: every element
      const list = asList(container[key]);
      if (op === 'remove') container[key] = list.map((el) => (isObject(el) ? withoutKey(el, p.sub!) : el));
      else container[key] = list.length === 0 ? [{ [p.sub]: value }] : list.map((el) => ({ ...(isObject(el) ? el : {}), [p.sub!]: value }));
      return;
    }
    const inner = isObject(container[key]) ? { ...(container[key] as Json) } : {};
    const subKey = keyOf(inner, p.sub, def?.subAttributes);
    if (op === 'remove') delete inner[subKey];
    else inner[subKey] = value;
    if (Object.keys(inner).length === 0) delete container[key];
    else container[key] = inner;
    return;
  }

  if (op === 'remove') {
    if (multi && value !== undefined && value !== null) {
      const gone = asList(value);
      container[key] = asList(container[key]).filter((el) => !gone.some((g) => sameElement(el, g)));
    } else delete container[key];
    return;
  }
  if (multi) {
    const incoming = asList(value);
    const base = op === 'add' ? asList(container[key]) : [];
    const out = [...base];
    for (const v of incoming) if (!out.some((x) => sameElement(x, v))) out.push(v);
    container[key] = out;
    return;
  }
  if (isObject(value) && (def?.type === 'complex' || isObject(container[key]))) {
    container[key] = { ...(isObject(container[key]) ? (container[key] as Json) : {}), ...value };
    return;
  }
  container[key] = value;
}

function withoutKey(o: Json, name: string): Json {
  const k = Object.keys(o).find((x) => x.toLowerCase() === name.toLowerCase());
  if (k === undefined) return o;
  const { [k]: _gone, ...rest } = o;
  return rest;
}
