export * from './directory.js';
export * from './errors.js';
