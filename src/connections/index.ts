// Connections: one WeCom company each. See ./service.ts (storage), ./crypto.ts (secrets at rest),
// ./test-connection.ts (plain-language checks against WeCom).
export { Connections, ConnectionConflictError, ConnectionNotFoundError, ConnectionValidationError } from './service.js';
export type { SecretField } from './service.js';
export { SecretBox, SecretDecryptError, SecretKeyError } from './crypto.js';
export { explainFailure, testConnection } from './test-connection.js';
export type { ConnectionTestResult, TestConnectionOptions } from './test-connection.js';
export * from '../domain/connection.js';
