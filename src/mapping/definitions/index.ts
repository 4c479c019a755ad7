// Mapping definitions: directory objects -> desired WeCom departments and members for one
// connection, by per-field expressions. Pure; imports only domain and the expression language.
// See README.md in this folder.
export type {
  MappingDefinition, DepartmentFieldSources, MemberFieldSources, AffiliationRules, ExtAttrDefinition, ScopeRules,
  MatchingRules, MemberMatchRule, DepartmentMatchRule, DefinitionError, MappingProblem, DepartmentField, MemberSourceField,
} from './types.js';
export { DEPARTMENT_FIELDS, MEMBER_SOURCE_FIELDS } from './types.js';
export { defaultMappingDefinition, DEFAULT_DEPARTMENT_NAME, DEFAULT_USERID, DEFAULT_GENDER, DEFAULT_ENABLE } from './default.js';
export { compileMapping, isCompiled, CompiledMapping, type CompileResult, type CompiledExtAttr } from './compile.js';
export { mapDirectory, type MappingSettings, type MappingResult } from './map.js';
export { previewAccount, type AccountPreview, type FieldPreview, type PreviewContext } from './preview.js';
export { dependentFields, dependentDepartmentFields, MEMBER_WECOM_FIELDS, type MemberWecomField } from './dependencies.js';
export {
  matchMembers, matchDepartments, mobileKey, type ExistingMember, type ExistingDepartment, type MemberMatchResult,
  type DepartmentMatchResult,
} from './matching.js';
export { USERID_RE } from './values.js';
