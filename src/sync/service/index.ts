// The sync service (plan / apply / incremental / status) and the connection's effective mapping.
export * from './service.js';
export * from './mapping.js';
export * from './plan-json.js';
export * from './object-status.js';
