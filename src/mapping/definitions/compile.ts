// compileMapping(): checks a definition's shape (hand-written, so every error names its field
// path exactly) and compiles every expression once.
import { ExpressionError, compile } from '../expression/index.js';
import { FieldExpression } from './field-expression.js';
import {
  type DefinitionError, type MappingDefinition, type MemberSourceField, DEPARTMENT_FIELDS, MEMBER_SOURCE_FIELDS,
} from './types.js';

type CompiledExtAttr =
  | { name: string; type: 'text'; value: FieldExpression }
  | { name: string; type: 'web'; url: FieldExpression; title: FieldExpression };

/** A definition with every expression compiled. Build with compileMapping(); reuse across runs. */
export class CompiledMapping {
  constructor(
    readonly definition: MappingDefinition,
    readonly departments: { name: FieldExpression; name_en?: FieldExpression; order?: FieldExpression; id?: FieldExpression },
    readonly members: { userid: FieldExpression; name: FieldExpression } & Partial<Record<MemberSourceField, FieldExpression>>,
    readonly leader: FieldExpression | undefined,
    readonly extattrs: readonly CompiledExtAttr[],
    readonly organizationFilter: FieldExpression | undefined,
    readonly accountFilter: FieldExpression | undefined,
  ) {}
}

type CompileResult = CompiledMapping | { errors: DefinitionError[] };

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

const TOP_KEYS = ['version', 'departments', 'members', 'affiliation', 'extattrs', 'scope', 'matching'];
const AFFILIATION_KEYS = ['mode', 'leaderExpression', 'directLeader'];
const SCOPE_KEYS = ['organizationRoots', 'organizationFilter', 'accountFilter', 'includeDisabledAccounts'];
const MATCHING_KEYS = ['members', 'departments'];
const MEMBER_RULES = ['userid', 'mobile', 'email'];
const DEPARTMENT_RULES = ['id', 'name-path', 'none'];

/** Checks and compiles a definition. On any error, returns all errors found (never throws for bad input). */
export function compileMapping(def: unknown): CompileResult {
  const errors: DefinitionError[] = [];
  const err = (path: string, code: string, message: string): void => void errors.push({ path, code, message });

  const expr = (path: string, source: unknown, required: boolean): FieldExpression | undefined => {
    if (source === undefined) {
      if (required) err(path, 'E_DEF_REQUIRED', `${path} is required`);
      return undefined;
    }
    if (typeof source !== 'string') {
      err(path, 'E_DEF_TYPE', `${path} must be an expression (a string)`);
      return undefined;
    }
    if (source.trim() === '') {
      err(path, 'E_DEF_REQUIRED', required ? `${path} is required` : `${path} is empty; remove it to leave the field unmapped`);
      return undefined;
    }
    try {
      const fe = new FieldExpression(path, compile(source));
      const always = fe.constantError;
      if (always) {
        pushExpressionError(errors, path, always, 'this expression always fails: ');
        return undefined;
      }
      return fe;
    } catch (e) {
      if (!(e instanceof ExpressionError)) throw e;
      pushExpressionError(errors, path, e);
      return undefined;
    }
  };
  const unknownKeys = (obj: Record<string, unknown>, allowed: readonly string[], prefix: string): void => {
    for (const k of Object.keys(obj)) if (!allowed.includes(k)) err(prefix ? `${prefix}.${k}` : k, 'E_DEF_UNKNOWN_FIELD', `unknown field ${prefix ? `${prefix}.${k}` : k}`);
  };
  const section = (d: Record<string, unknown>, key: string): Record<string, unknown> => {
    const v = d[key];
    if (isObject(v)) return v;
    err(key, v === undefined ? 'E_DEF_REQUIRED' : 'E_DEF_TYPE', `${key} must be an object`);
    return {};
  };

  if (!isObject(def)) return { errors: [{ path: '', code: 'E_DEF_TYPE', message: 'a mapping definition must be an object' }] };
  unknownKeys(def, TOP_KEYS, '');
  if (def.version !== 1) err('version', 'E_DEF_VERSION', `version must be 1, not ${JSON.stringify(def.version) ?? 'missing'}`);

  const d = section(def, 'departments');
  unknownKeys(d, DEPARTMENT_FIELDS, 'departments');
  const departments = {
    name: expr('departments.name', d.name, true),
    name_en: expr('departments.name_en', d.name_en, false),
    order: expr('departments.order', d.order, false),
    id: expr('departments.id', d.id, false),
  };

  const m = section(def, 'members');
  unknownKeys(m, MEMBER_SOURCE_FIELDS, 'members');
  const members: Partial<Record<MemberSourceField, FieldExpression>> = {};
  for (const f of MEMBER_SOURCE_FIELDS) {
    const e = expr(`members.${f}`, m[f], f === 'userid' || f === 'name');
    if (e) members[f] = e;
  }

  const a = section(def, 'affiliation');
  unknownKeys(a, AFFILIATION_KEYS, 'affiliation');
  if (a.mode !== 'all-organizations' && a.mode !== 'primary-only')
    err('affiliation.mode', a.mode === undefined ? 'E_DEF_REQUIRED' : 'E_DEF_VALUE', 'affiliation.mode must be "all-organizations" or "primary-only"');
  if (a.directLeader !== undefined && a.directLeader !== 'manager' && a.directLeader !== 'none')
    err('affiliation.directLeader', 'E_DEF_VALUE', 'affiliation.directLeader must be "manager" or "none"');
  const leader = expr('affiliation.leaderExpression', a.leaderExpression, false);

  const extattrs: CompiledExtAttr[] = [];
  if (!Array.isArray(def.extattrs)) {
    err('extattrs', def.extattrs === undefined ? 'E_DEF_REQUIRED' : 'E_DEF_TYPE', 'extattrs must be a list (may be empty)');
  } else {
    const seen = new Set<string>();
    def.extattrs.forEach((x: unknown, i) => {
      const p = `extattrs[${i}]`;
      if (!isObject(x)) return err(p, 'E_DEF_TYPE', `${p} must be an object`);
      if (typeof x.name !== 'string' || x.name.trim() === '') err(`${p}.name`, 'E_DEF_REQUIRED', `${p}.name must be the WeCom extended attribute's name`);
      else if (seen.has(x.name)) err(`${p}.name`, 'E_DEF_DUPLICATE', `extended attribute "${x.name}" is mapped twice`);
      else seen.add(x.name);
      const name = typeof x.name === 'string' ? x.name : '';
      if (x.type === 'text') {
        unknownKeys(x, ['name', 'type', 'value'], p);
        const value = expr(`${p}.value`, x.value, true);
        if (value) extattrs.push({ name, type: 'text', value });
      } else if (x.type === 'web') {
        unknownKeys(x, ['name', 'type', 'url', 'title'], p);
        const url = expr(`${p}.url`, x.url, true);
        const title = expr(`${p}.title`, x.title, true);
        if (url && title) extattrs.push({ name, type: 'web', url, title });
      } else {
        err(`${p}.type`, 'E_DEF_VALUE', `${p}.type must be "text" or "web"`);
      }
    });
  }

  const s = section(def, 'scope');
  unknownKeys(s, SCOPE_KEYS, 'scope');
  if (s.organizationRoots !== undefined) {
    if (!Array.isArray(s.organizationRoots)) err('scope.organizationRoots', 'E_DEF_TYPE', 'scope.organizationRoots must be a list of organization ids');
    else
      s.organizationRoots.forEach((r: unknown, i) => {
        if (typeof r !== 'string' || r === '') err(`scope.organizationRoots[${i}]`, 'E_DEF_TYPE', 'must be an organization id');
      });
  }
  if (s.includeDisabledAccounts !== undefined && typeof s.includeDisabledAccounts !== 'boolean')
    err('scope.includeDisabledAccounts', 'E_DEF_TYPE', 'scope.includeDisabledAccounts must be true or false');
  const organizationFilter = expr('scope.organizationFilter', s.organizationFilter, false);
  const accountFilter = expr('scope.accountFilter', s.accountFilter, false);

  const mt = section(def, 'matching');
  unknownKeys(mt, MATCHING_KEYS, 'matching');
  if (!Array.isArray(mt.members)) {
    err('matching.members', mt.members === undefined ? 'E_DEF_REQUIRED' : 'E_DEF_TYPE', 'matching.members must be a list of "userid", "mobile", "email" (may be empty)');
  } else {
    mt.members.forEach((r: unknown, i) => {
      if (typeof r !== 'string' || !MEMBER_RULES.includes(r)) err(`matching.members[${i}]`, 'E_DEF_VALUE', 'must be "userid", "mobile" or "email"');
      else if (mt.members && (mt.members as unknown[]).indexOf(r) !== i) err(`matching.members[${i}]`, 'E_DEF_DUPLICATE', `"${r}" is listed twice`);
    });
  }
  if (typeof mt.departments !== 'string' || !DEPARTMENT_RULES.includes(mt.departments))
    err('matching.departments', mt.departments === undefined ? 'E_DEF_REQUIRED' : 'E_DEF_VALUE', 'matching.departments must be "id", "name-path" or "none"');
  else if (mt.departments === 'id' && d.id === undefined)
    err('matching.departments', 'E_DEF_VALUE', 'matching by "id" needs departments.id (an expression giving the WeCom department id)');

  if (errors.length > 0 || !departments.name || !members.userid || !members.name) return { errors };
  let copy: MappingDefinition;
  try {
    copy = JSON.parse(JSON.stringify(def)) as MappingDefinition;
  } catch {
    return { errors: [{ path: '', code: 'E_DEF_TYPE', message: 'a mapping definition must be plain JSON' }] };
  }
  const definition = deepFreeze(copy);
  const { name, ...optionalDepartments } = departments;
  return new CompiledMapping(
    definition,
    { name, ...dropUndefined(optionalDepartments) },
    { ...members, userid: members.userid, name: members.name },
    leader,
    extattrs,
    organizationFilter,
    accountFilter,
  );
}

function pushExpressionError(errors: DefinitionError[], path: string, e: ExpressionError, prefix = ''): void {
  errors.push({ path, code: e.code, message: `${path}: ${prefix}${e.message}`, position: { ...e.position }, pointer: e.pointer(), ...(e.params ? { params: e.params } : {}) });
}

function dropUndefined<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

function deepFreeze<T>(o: T): T {
  if (typeof o === 'object' && o !== null) {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Type guard for compileMapping's result. */
export const isCompiled = (r: CompileResult): r is CompiledMapping => r instanceof CompiledMapping;
