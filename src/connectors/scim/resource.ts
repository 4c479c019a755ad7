// SCIM resources as stored and as answered. An incoming User or Group is kept as the identity
// provider sent it — canonical attribute names (SCIM names are case-insensitive), `"True"` and
// `"False"` read as booleans, nulls dropped — minus what the server owns (id, meta, schemas) or
// never keeps (password, a user's groups, a group's members, which live in their own table).
// Answers add id, schemas and meta, and honour `attributes` / `excludedAttributes`.
import { invalidValue, invalidSyntax } from './errors.js';
import { type Attr, type ResourceShape, canonicalName, extensionSchema, findAttribute, splitSchema } from './schemas.js';

export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Attributes a client may send but the server keeps no copy of. */
const DROPPED = new Set(['id', 'meta', 'schemas', 'password', 'groups', 'members']);

/** `"True"`, `"false"` and real booleans as booleans; anything else as it is. */
export function asBoolean(v: unknown): unknown {
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true';
  return v;
}

/** A value shaped by its attribute definition: canonical sub-attribute names, booleans, no nulls. */
function shapeValue(def: Attr | undefined, v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  if (def?.type === 'boolean') return asBoolean(v);
  if (def?.type === 'complex' || (def === undefined && isObject(v))) {
    const one = (x: unknown): unknown => (isObject(x) ? shapeObject(def?.subAttributes, x) : x);
    if (Array.isArray(v)) return keepOnePrimary(v.map(one).filter((x) => x !== undefined));
    return def?.multiValued ? keepOnePrimary([one(v)]) : one(v);
  }
  return v;
}

function shapeObject(attrs: readonly Attr[] | undefined, o: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(o)) {
    const name = canonicalName(attrs, k);
    const shaped = shapeValue(attrs?.find((a) => a.name === name), v);
    if (shaped !== undefined) out[name] = shaped;
  }
  return out;
}

/** At most one element of a multi-valued attribute is primary (RFC 7643 §2.4): the first that says so. */
function keepOnePrimary(list: unknown[]): unknown[] {
  let seen = false;
  return list.map((x) => {
    if (!isObject(x) || x.primary !== true) return x;
    if (!seen) return (seen = true), x;
    return { ...x, primary: false };
  });
}

/**
 * The resource to store from what a client sent (POST, PUT, or the result of a PATCH): canonical
 * names, the extension under its URN (flat `urn:…:User:employeeNumber` keys and dotted
 * `name.givenName` keys nested), server-owned attributes dropped.
 */
export function normalizeResource(shape: ResourceShape, input: unknown): Json {
  if (!isObject(input)) throw invalidSyntax(`the body must be a SCIM ${shape.kind} object`);
  const out: Json = {};
  const put = (schema: string | null, path: string, v: unknown): void => {
    const [name, sub] = path.split('.', 2) as [string, string | undefined];
    if (schema === null && DROPPED.has(name.toLowerCase())) return;
    const found = findAttribute(shape, schema, name);
    const key = found?.attr.name ?? name;
    const target = schema === null || schema === shape.schema ? out : ((out[schema] as Json | undefined) ?? (out[schema] = {}));
    if (sub === undefined) {
      const shaped = shapeValue(found?.attr, v);
      if (shaped === undefined) return;
      target[key] = isObject(shaped) && isObject(target[key]) ? { ...(target[key] as Json), ...shaped } : shaped;
      return;
    }
    const inner = isObject(target[key]) ? (target[key] as Json) : (target[key] = {});
    const subName = canonicalName(found?.attr.subAttributes, sub);
    const shaped = shapeValue(found?.attr.subAttributes?.find((a) => a.name === subName), v);
    if (shaped !== undefined) inner[subName] = shaped;
  };
  for (const [k, v] of Object.entries(input)) {
    const ext = extensionSchema(shape, k);
    if (ext) {
      if (isObject(v)) for (const [ik, iv] of Object.entries(v)) put(ext, ik, iv);
      continue;
    }
    if (k.toLowerCase().startsWith('urn:')) {
      const { schema, rest } = splitSchema(shape, k);
      if (schema !== null && extensionSchema(shape, schema)) put(schema, rest, v);
      else if (schema === shape.schema) put(null, rest, v);
      else out[k] = v; // an extension this endpoint does not know: kept as sent
      continue;
    }
    put(null, k, v);
  }
  return out;
}

/** The members a group body lists: their `value`s, once each, in order. */
export function memberIds(input: unknown): string[] {
  const list = Array.isArray(input) ? input : input === undefined || input === null ? [] : [input];
  const ids: string[] = [];
  for (const m of list) {
    const v = isObject(m) ? m.value : undefined;
    if (typeof v !== 'string' || v === '') throw invalidValue('each member must be an object with a "value": the id of a user');
    if (!ids.includes(v)) ids.push(v);
  }
  return ids;
}

/** `members` of a group body, whatever case the client wrote it in. */
export function membersOf(input: Json): unknown {
  const key = Object.keys(input).find((k) => k.toLowerCase() === 'members');
  return key === undefined ? undefined : input[key];
}

interface Meta {
  created: string;
  lastModified: string;
  version: number;
  location: string;
}

export const etagOf = (version: number): string => `W/"${version}"`;

/** The answer for one resource: schemas, id, what was stored, and meta. */
export function render(shape: ResourceShape, id: string, stored: Json, meta: Meta, extra: Json = {}): Json {
  const schemas = [shape.schema, ...Object.keys(stored).filter((k) => k.toLowerCase().startsWith('urn:') && isObject(stored[k]))];
  return {
    schemas,
    id,
    ...stored,
    ...extra,
    meta: { resourceType: shape.kind, created: meta.created, lastModified: meta.lastModified, location: meta.location, version: etagOf(meta.version) },
  };
}

/** A parsed `attributes` / `excludedAttributes` entry. */
interface Selector {
  /** null = a core attribute; else the extension URN the attribute lives under. */
  container: string | null;
  name: string;
  sub?: string;
}

function selectors(shape: ResourceShape, list: string | undefined): Selector[] {
  if (!list) return [];
  return list.split(',').map((s) => s.trim()).filter(Boolean).map((p) => {
    const whole = extensionSchema(shape, p);
    if (whole) return { container: null, name: whole };
    const { schema, rest } = splitSchema(shape, p);
    const [name, sub] = rest.split('.', 2) as [string, string | undefined];
    const container = schema === null || schema === shape.schema ? null : schema;
    return { container, name, ...(sub !== undefined ? { sub } : {}) };
  });
}

const ALWAYS = new Set(['id', 'schemas']);

function keyIn(o: Json, name: string): string | undefined {
  return Object.keys(o).find((k) => k.toLowerCase() === name.toLowerCase());
}

/** `attributes` (only those, plus id and schemas) or `excludedAttributes` (all but those) applied to a rendered resource. */
export function project(shape: ResourceShape, resource: Json, attributes?: string, excluded?: string): Json {
  const wanted = selectors(shape, attributes);
  if (wanted.length > 0) {
    const out: Json = {};
    for (const k of Object.keys(resource)) if (ALWAYS.has(k)) out[k] = resource[k];
    for (const s of wanted) {
      const from = s.container === null ? resource : (resource[s.container] as Json | undefined);
      if (!isObject(from)) continue;
      const key = keyIn(from, s.name);
      if (key === undefined) continue;
      const to = s.container === null ? out : ((out[s.container] as Json | undefined) ?? (out[s.container] = {}));
      if (s.sub === undefined) to[key] = from[key];
      else copySub(from[key], to, key, s.sub);
    }
    return out;
  }
  const out: Json = { ...resource };
  for (const s of selectors(shape, excluded)) {
    if (s.container === null && ALWAYS.has(s.name)) continue;
    const host = s.container === null ? out : isObject(out[s.container]) ? (out[s.container] = { ...(out[s.container] as Json) }) : undefined;
    if (!host) continue;
    const key = keyIn(host, s.name);
    if (key === undefined) continue;
    if (s.sub === undefined) delete host[key];
    else host[key] = dropSub(host[key], s.sub);
  }
  return out;
}

function copySub(value: unknown, to: Json, key: string, sub: string): void {
  const pick = (o: unknown): Json | undefined => {
    if (!isObject(o)) return undefined;
    const k = keyIn(o, sub);
    return k === undefined ? undefined : { [k]: o[k] };
  };
  if (Array.isArray(value)) to[key] = value.map(pick).filter((x) => x !== undefined);
  else {
    const picked = pick(value);
    if (picked) to[key] = { ...(isObject(to[key]) ? (to[key] as Json) : {}), ...picked };
  }
}

function dropSub(value: unknown, sub: string): unknown {
  const drop = (o: unknown): unknown => {
    if (!isObject(o)) return o;
    const k = keyIn(o, sub);
    if (k === undefined) return o;
    const { [k]: _gone, ...rest } = o;
    return rest;
  };
  return Array.isArray(value) ? value.map(drop) : drop(value);
}
