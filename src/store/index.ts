export * from './config.js';
export * from './store.js';
export * from './changes.js';
export { newId } from './ids.js';
export { MIGRATION_NAMES } from './migrations.js';
export type { Database } from './schema.js';
