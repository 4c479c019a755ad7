import { describe, expect, it } from 'vitest';
import { type DefinitionError, compileMapping, defaultMappingDefinition, isCompiled } from '../../../src/mapping/definitions/index.js';
import { withDefault } from './fixtures.js';

const errorsOf = (def: unknown): DefinitionError[] => {
  const r = compileMapping(def);
  if (isCompiled(r)) throw new Error('expected errors');
  return r.errors;
};

describe('compileMapping', () => {
  it('compiles the default definition; the default is plain JSON and a fresh copy each time', () => {
    const d = defaultMappingDefinition();
    expect(JSON.parse(JSON.stringify(d))).toEqual(d);
    expect(isCompiled(compileMapping(d))).toBe(true);
    d.members.name = 'x';
    expect(defaultMappingDefinition().members.name).toBe('display_name');
  });

  it('keeps a frozen copy of the definition (later edits of the input do not leak in)', () => {
    const d = defaultMappingDefinition();
    const r = compileMapping(d);
    if (!isCompiled(r)) throw new Error('no');
    d.members.userid = 'username';
    expect(r.definition.members.userid).not.toBe('username');
    expect(Object.isFrozen(r.definition.members)).toBe(true);
  });

  it('expression errors name the field path and carry the position', () => {
    const errors = errorsOf(withDefault((d) => {
      d.members.mobile = 'phone(mobile';
      d.members.email = 'lowr(email)';
      d.extattrs = [{ name: '工号', type: 'text', value: 'concat(a,\n  b b)' }];
      d.scope.accountFilter = 'status = "enabled"';
    }));
    expect(errors.map((e) => [e.path, e.code])).toEqual([
      ['members.mobile', 'E_PARSE_UNEXPECTED_END'],
      ['members.email', 'E_UNKNOWN_FUNCTION'],
      ['extattrs[0].value', 'E_PARSE_UNEXPECTED_TOKEN'],
      ['scope.accountFilter', 'E_LEX_UNEXPECTED_CHAR'],
    ]);
    expect(errors[1]!.position).toEqual({ offset: 0, line: 1, column: 1 });
    expect(errors[1]!.message).toContain('did you mean lower()');
    expect(errors[2]!.position).toMatchObject({ line: 2, column: 5 });
    expect(errors[3]!.position).toMatchObject({ offset: 7, column: 8 });
    expect(errors[3]!.pointer).toBe('status = "enabled"\n       ^');
  });

  it('a constant expression that always fails is a definition error', () => {
    const errors = errorsOf(withDefault((d) => (d.members.mobile = 'phone_strict("12")')));
    expect(errors).toEqual([expect.objectContaining({ path: 'members.mobile', code: 'E_PHONE_INVALID', position: expect.any(Object) })]);
  });

  it('structural errors: required, unknown fields, enums, duplicates, version', () => {
    const def = defaultMappingDefinition() as unknown as Record<string, Record<string, unknown>>;
    (def as Record<string, unknown>).version = 2;
    delete def.members!.userid;
    def.members!.nmae = 'x';
    def.departments!.name = '  ';
    def.affiliation!.mode = 'some';
    def.matching!.members = ['userid', 'phone', 'userid'];
    def.matching!.departments = 'id';
    def.scope!.organizationRoots = ['ok', 3];
    def.scope!.includeDisabledAccounts = 'yes';
    (def as Record<string, unknown>).extattrs = [{ name: 'a', type: 'text', value: 'x' }, { name: 'a', type: 'web', url: 'x' }, { name: '', type: 'date' }];
    const errors = errorsOf(def);
    expect(errors.map((e) => [e.path, e.code])).toEqual([
      ['version', 'E_DEF_VERSION'],
      ['departments.name', 'E_DEF_REQUIRED'],
      ['members.nmae', 'E_DEF_UNKNOWN_FIELD'],
      ['members.userid', 'E_DEF_REQUIRED'],
      ['affiliation.mode', 'E_DEF_VALUE'],
      ['extattrs[1].name', 'E_DEF_DUPLICATE'],
      ['extattrs[1].title', 'E_DEF_REQUIRED'],
      ['extattrs[2].name', 'E_DEF_REQUIRED'],
      ['extattrs[2].type', 'E_DEF_VALUE'],
      ['scope.organizationRoots[1]', 'E_DEF_TYPE'],
      ['scope.includeDisabledAccounts', 'E_DEF_TYPE'],
      ['matching.members[1]', 'E_DEF_VALUE'],
      ['matching.members[2]', 'E_DEF_DUPLICATE'],
      ['matching.departments', 'E_DEF_VALUE'],
    ]);
  });

  it('not an object, missing sections', () => {
    expect(errorsOf(null)).toEqual([expect.objectContaining({ path: '', code: 'E_DEF_TYPE' })]);
    expect(errorsOf({ version: 1 }).map((e) => e.path)).toEqual([
      'departments', 'departments.name', 'members', 'members.userid', 'members.name', 'affiliation', 'affiliation.mode', 'extattrs', 'scope', 'matching',
      'matching.members', 'matching.departments',
    ]);
  });
});
