// Inbound LDAP / Active Directory: a source the service pulls the directory from (see README.md's
// "LDAP and Active Directory sources" and docs/ldap.md).
export { Sources, sourceAad, type SourceView, type SourceInput, type TestResult, type PullRecord } from './sources.js';
export { PullHeldError, PullBusyError, SourceConnectError, SourceNotFoundError, SourceValidationError, SourceConflictError } from './errors.js';
export type { PullResult, PullOptions, Cursor } from './pull.js';
export { FLAVORS, type Flavor, type LdapSettings, withDefaults, checkSettings } from './settings.js';
export { openReader, type LdapReader } from './reader.js';
