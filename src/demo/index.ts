// The first-start demo: a sample company (./sample-company.ts) synced into a built-in WeCom
// simulator (./demo.ts); its row in the store (./state.ts). REST: src/server/routes/demo.ts.
export * from './demo.js';
export * from './sample-company.js';
export { DEMO_ROW_ID } from './state.js';
