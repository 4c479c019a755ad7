export { ScimEndpoints, SCIM_PATH_PREFIX, SCIM_TOKEN_PREFIX, endpointPath, type ScimEndpoint, type ScimSettingsInput, type ScimToken } from './endpoints.js';
export { scimContext, type ScimContext, type WriteRecord } from './context.js';
export { ScimUsers } from './users.js';
export { ScimGroups } from './groups.js';
export { ScimError } from './errors.js';
export { ACCOUNT_FIELD_NAMES, DEFAULT_DEPARTMENT, DEFAULT_FIELDS, ORGANIZATION_MODES, type ScimSettings } from './settings.js';
