export * from './config.js';
export * from './store.js';
export * from './changes.js';
export { newId } from './ids.js';
