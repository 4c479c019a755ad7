// Migration 0002: connections (one WeCom company each). Never edit once released; add a new migration.
import type { Step } from '../migrations.js';

export const m0002_connections: Step = async () => {};
