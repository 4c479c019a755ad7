// Inbound SCIM 2.0 (docs/scim.md): endpoints and tokens, and the /Users and /Groups operations the
// SCIM mount (src/server/scim.ts) calls.
export { SCIM_PATH_PREFIX, ScimEndpoints, type ScimEndpoint, type ScimSettingsInput, type ScimToken } from './endpoints.js';
export { scimContext } from './context.js';
export { ScimUsers } from './users.js';
export { ScimGroups } from './groups.js';
export { ScimError } from './errors.js';
export { ACCOUNT_FIELD_NAMES, DEFAULT_FIELDS, ORGANIZATION_MODES } from './settings.js';
