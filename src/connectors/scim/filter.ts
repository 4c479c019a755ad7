// SCIM filters (RFC 7644 §3.4.2.2): parsed by scim2-parse-filter, evaluated here against a
// resource as the endpoint renders it, with SCIM's rules: attribute names case-insensitive,
// strings compared case-insensitively unless the schema says caseExact (id, externalId),
// multi-valued attributes matching when any value does, value paths (`emails[type eq "work"]`)
// testing each element as a whole. `indexedLookup` picks out the equality the store can answer
// by index (userName, externalId, id, displayName), so the common IdP lookups never scan.
import { type AttrExp, type Filter, parse } from 'scim2-parse-filter';
import { ScimError } from './errors.js';
import { type Attr, type ResourceShape, findAttribute, splitSchema } from './schemas.js';

export type { Filter } from 'scim2-parse-filter';

type Json = Record<string, unknown>;

/** Parses a filter; a malformed one is a 400 invalidFilter naming the problem. */
export function parseFilter(text: string): Filter {
  try {
    return valuePathsWhole(parse(text));
  } catch (err) {
    throw new ScimError(400, `the filter ${JSON.stringify(text)} is not valid: ${(err as Error).message}`, 'invalidFilter');
  }
}

/**
 * The parser reads `emails[type eq "work"].value eq "x"` as `emails[type eq "work"] and
 * emails.value eq "x"`, which a home e-mail "x" beside any work e-mail would satisfy. Put back
 * together, one element must be the work e-mail *and* have that value.
 */
function valuePathsWhole(f: Filter): Filter {
  switch (f.op) {
    case 'and': {
      const [vp, cmp] = f.filters;
      if (f.filters.length === 2 && vp?.op === '[]' && cmp && isAttrExp(cmp) && cmp.attrPath.startsWith(`${vp.attrPath}.`)) {
        const sub = cmp.attrPath.slice(vp.attrPath.length + 1);
        if (!sub.includes('.')) return { op: '[]', attrPath: vp.attrPath, valFilter: { op: 'and', filters: [vp.valFilter, { ...cmp, attrPath: sub }] } };
      }
      return { ...f, filters: f.filters.map(valuePathsWhole) };
    }
    case 'or':
      return { ...f, filters: f.filters.map(valuePathsWhole) };
    case 'not':
      return { ...f, filter: valuePathsWhole(f.filter) };
    default:
      return f;
  }
}

const isAttrExp = (f: Filter): f is AttrExp => f.op !== '[]' && f.op !== 'and' && f.op !== 'or' && f.op !== 'not';

/** Where a comparison looks: within a resource (shape) or within one element of a multi-valued attribute (its sub-attributes). */
type Scope = { shape: ResourceShape } | { attrs: readonly Attr[] };

/** True when the resource (rendered: with id and meta) satisfies the filter. */
export function matchResource(shape: ResourceShape, resource: Json, filter: Filter): boolean {
  return test({ shape }, resource, filter);
}

/** True when one element of a multi-valued attribute satisfies a value filter (PATCH paths). */
export function matchElement(attrs: readonly Attr[] | undefined, element: unknown, filter: Filter): boolean {
  return test({ attrs: attrs ?? [] }, element, filter);
}

function test(scope: Scope, node: unknown, f: Filter): boolean {
  switch (f.op) {
    case 'and':
      return f.filters.every((x) => test(scope, node, x));
    case 'or':
      return f.filters.some((x) => test(scope, node, x));
    case 'not':
      return !test(scope, node, f.filter);
    case '[]': {
      const { values, attr } = resolve(scope, node, f.attrPath);
      return values.some((el) => test({ attrs: attr?.subAttributes ?? [] }, el, f.valFilter));
    }
    case 'pr':
      return resolve(scope, node, f.attrPath).values.some((v) => v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0));
    default: {
      const { values, attr } = resolve(scope, node, f.attrPath);
      const exact = attr?.caseExact ?? false;
      const hit = values.some((v) => compare(f.op, v, f.compValue, exact));
      return f.op === 'ne' ? !values.some((v) => compare('eq', v, f.compValue, exact)) : hit;
    }
  }
}

/** The leaf values an attribute path reaches (multi-valued attributes flattened) and its definition. */
function resolve(scope: Scope, node: unknown, path: string): { values: unknown[]; attr: Attr | undefined } {
  let segments: string[];
  let attr: Attr | undefined;
  let current: unknown[] = [node];
  if ('shape' in scope) {
    const { schema, rest } = splitSchema(scope.shape, path);
    segments = rest.split('.');
    const found = findAttribute(scope.shape, schema, segments[0]!, segments[1]);
    attr = found?.subAttr ?? found?.attr;
    const ext = schema !== null && schema.toLowerCase() !== scope.shape.schema.toLowerCase() ? schema : null;
    if (ext) current = current.map((n) => get(n, ext));
  } else {
    segments = path.split('.');
    const first = scope.attrs.find((a) => a.name.toLowerCase() === segments[0]!.toLowerCase());
    attr = segments.length > 1 ? first?.subAttributes?.find((a) => a.name.toLowerCase() === segments[1]!.toLowerCase()) : first;
  }
  for (const seg of segments) current = current.flatMap((n) => (Array.isArray(n) ? n : [n])).map((n) => get(n, seg));
  return { values: current.flatMap((v) => (Array.isArray(v) ? v : [v])).filter((v) => v !== undefined), attr };
}

function get(node: unknown, key: string): unknown {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
  const k = key.toLowerCase();
  for (const [name, v] of Object.entries(node)) if (name.toLowerCase() === k) return v;
  return undefined;
}

function compare(op: string, actual: unknown, expected: boolean | null | number | string, exact: boolean): boolean {
  if (expected === null) return op === 'eq' ? actual === null : false;
  if (typeof actual === 'string' && typeof expected === 'string') {
    const a = exact ? actual : actual.toLowerCase();
    const e = exact ? expected : expected.toLowerCase();
    switch (op) {
      case 'eq': return a === e;
      case 'co': return a.includes(e);
      case 'sw': return a.startsWith(e);
      case 'ew': return a.endsWith(e);
      case 'gt': return a > e;
      case 'ge': return a >= e;
      case 'lt': return a < e;
      case 'le': return a <= e;
      default: return false;
    }
  }
  if (typeof actual === 'number' && typeof expected === 'number') {
    switch (op) {
      case 'eq': return actual === expected;
      case 'gt': return actual > expected;
      case 'ge': return actual >= expected;
      case 'lt': return actual < expected;
      case 'le': return actual <= expected;
      default: return false;
    }
  }
  return op === 'eq' && actual === expected;
}

export type IndexedAttribute = 'id' | 'userName' | 'externalId' | 'displayName';
const INDEXED: readonly IndexedAttribute[] = ['id', 'userName', 'externalId', 'displayName'];

/**
 * An `attr eq "value"` on an indexed attribute that every match must satisfy (the filter itself,
 * or a term of its top-level `and`): the store narrows to it, the rest is then tested here.
 */
export function indexedLookup(shape: ResourceShape, f: Filter): { attribute: IndexedAttribute; value: string } | null {
  const terms = f.op === 'and' ? f.filters : [f];
  for (const t of terms) {
    if (t.op !== 'eq' || typeof t.compValue !== 'string') continue;
    const { schema, rest } = splitSchema(shape, t.attrPath);
    if (schema !== null && schema !== shape.schema) continue;
    const name = INDEXED.find((n) => n.toLowerCase() === rest.toLowerCase());
    if (name && findAttribute(shape, null, name)) return { attribute: name, value: t.compValue };
  }
  return null;
}
