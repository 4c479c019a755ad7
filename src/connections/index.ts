// Connections: one WeCom company each. See ./service.ts (storage), ./crypto.ts (secrets at rest),
// ./test-connection.ts (plain-language checks against WeCom).
export { Connections, ConnectionConflictError, ConnectionNotFoundError, ConnectionValidationError } from './service.js';
export type { SecretField, UnreadableSecrets, UpdateOptions } from './service.js';
export { SecretBox, SecretDecryptError, SecretKeyError, SECRET_KEY_ENV, SECRET_KEY_FILE_NAME, connectionAad, loadKeyFile } from './crypto.js';
export type { KeySource, SecretBoxOptions } from './crypto.js';
export { explainFailure, testConnection } from './test-connection.js';
export type { CheckName, CheckStatus, ConnectionCheck, ConnectionTestResult, FailureVerdict, TestConnectionOptions } from './test-connection.js';
export * from '../domain/connection.js';
