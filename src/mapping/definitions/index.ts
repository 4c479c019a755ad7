// Mapping definitions: directory objects -> desired WeCom departments and members for one
// connection, by per-field expressions. Pure; imports only domain and the expression language.
// See README.md in this folder.
export type { MappingDefinition, ExtAttrDefinition, MatchingRules, DefinitionError, MappingProblem } from './types.js';
export { defaultMappingDefinition, DEFAULT_USERID } from './default.js';
export { compileMapping, isCompiled, CompiledMapping } from './compile.js';
export { mapDirectory } from './map.js';
export { previewAccount } from './preview.js';
export { dependentFields, dependentDepartmentFields } from './dependencies.js';
export { matchMembers, matchDepartments, mobileKey, type ExistingMember } from './matching.js';
export { USERID_RE } from './values.js';
