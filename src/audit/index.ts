export * from './audit-log.js';
export { redactSecrets } from './redact.js';
