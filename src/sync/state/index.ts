// Sync state in the store: links (with shadow state), runs and their operations, cursors.
export * from './links.js';
export * from './runs.js';
export * from './operations.js';
export * from './cursors.js';
export * from './creators.js';
export { Journal } from './journal.js';
export { purgeConnectionState, type PurgeOptions } from './purge.js';
export * from './object-status.js';
