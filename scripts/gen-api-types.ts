// The console's API types (web/src/api/schema.d.ts), generated from the OpenAPI document that
// `wecom-sync serve` publishes: the app is built in-process with serve's routes on a throwaway
// in-memory store, the document read with app.inject, and openapi-typescript turns it into types.
//
//   npm run gen:api          rewrite web/src/api/schema.d.ts
//
// test/server/api-types.test.ts regenerates it in memory and fails when the committed file differs.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import openapiTS, { COMMENT_HEADER, astToString } from 'openapi-typescript';
import { AuditLog } from '../src/audit/index.js';
import { AuthService } from '../src/auth/index.js';
import { SecretBox } from '../src/connections/crypto.js';
import { Connections } from '../src/connections/service.js';
import { ScimEndpoints } from '../src/connectors/scim/index.js';
import { Sources } from '../src/connectors/ldap/index.js';
import { Demo } from '../src/demo/demo.js';
import { Directory } from '../src/directory/directory.js';
import { createLogger } from '../src/observability/logger.js';
import { createMetrics } from '../src/observability/metrics.js';
import { buildApp } from '../src/server/app.js';
import { serveRoutes } from '../src/server/service.js';
import { createSyncEngine } from '../src/server/sync-engine.js';
import { openStore } from '../src/store/index.js';

export const SCHEMA_FILE = fileURLToPath(new URL('../web/src/api/schema.d.ts', import.meta.url));

const HEADER = '// Generated from the OpenAPI document of `wecom-sync serve` by `npm run gen:api` (scripts/gen-api-types.ts).\n// Do not edit: change the routes\' zod schemas (src/server/routes) and regenerate.\n';

/** /api/v1/openapi.json as `wecom-sync serve` answers it (default options: loopback bind, no worker). */
export async function serveOpenApiDocument(): Promise<Record<string, unknown>> {
  const store = await openStore({ kind: 'sqlite', file: ':memory:' });
  try {
    const logger = createLogger({ level: 'silent' });
    const metrics = createMetrics({ defaults: false });
    const directory = new Directory(store);
    const secretBox = SecretBox.fromKey(randomBytes(32));
    const sync = createSyncEngine({ store, directory, secretBox, metrics, logger, worker: false });
    const demo = new Demo({ store, directory, connections: new Connections(store, secretBox), enabled: true, logger });
    const app = buildApp({ directory, store, auth: new AuthService(store), auditLog: new AuditLog(store), metrics, scim: new ScimEndpoints(store, directory), sources: new Sources(directory, secretBox), routes: serveRoutes(sync, demo) });
    try {
      const res = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
      if (res.statusCode !== 200) throw new Error(`GET /api/v1/openapi.json answered ${res.statusCode}: ${res.body}`);
      return res.json();
    } finally {
      await app.close();
      await sync.stop();
    }
  } finally {
    await store.close();
  }
}

/** The text of web/src/api/schema.d.ts for the current routes. */
export async function generateApiTypes(): Promise<string> {
  const ast = await openapiTS(JSON.stringify(await serveOpenApiDocument()), { silent: true });
  return HEADER + COMMENT_HEADER + astToString(ast);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const text = await generateApiTypes();
  fs.mkdirSync(path.dirname(SCHEMA_FILE), { recursive: true });
  fs.writeFileSync(SCHEMA_FILE, text);
  console.log(`[gen-api] wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
}
