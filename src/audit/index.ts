export * from './audit-log.js';
export { redactSecrets, isSecretKey, REDACTED } from './redact.js';
