export * from './audit-log.js';
export { type AuditValue, type FieldChange, diffFields, fieldChange } from './changes.js';
export { isPersonalField, maskPersonal, redactSecrets } from './redact.js';
