// The console's API types come from the server's OpenAPI document (scripts/gen-api-types.ts): the
// committed web/src/api/schema.d.ts must be what the current routes generate, and the console must
// type-check against it — so a route change that breaks the console fails `npm test`.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SCHEMA_FILE, generateApiTypes, serveOpenApiDocument } from '../../scripts/gen-api-types.js';

const ROOT = path.resolve(__dirname, '../..');

/** Every `$ref` in a JSON document. */
function refs(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) refs(x, out);
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      if (k === '$ref' && typeof x === 'string') out.push(x);
      else refs(x, out);
    }
  return out;
}

describe('the console API types', () => {
  it('are generated from the current routes (web/src/api/schema.d.ts is up to date)', async () => {
    const committed = fs.existsSync(SCHEMA_FILE) ? fs.readFileSync(SCHEMA_FILE, 'utf8') : '';
    const generated = await generateApiTypes();
    expect(generated).toContain('export interface paths');
    expect(committed === generated, 'web/src/api/schema.d.ts is out of date: run npm run gen:api').toBe(true);
  });

  it("name the shapes the console uses: each named response schema is one component, every $ref resolves", async () => {
    const doc = await serveOpenApiDocument();
    const named = Object.keys((doc.components as { schemas: object }).schemas);
    expect(named).toEqual(expect.arrayContaining(['Problem', 'Run', 'RunDetail', 'Plan', 'SyncStatus', 'Connection', 'Account', 'Organization', 'ObjectStatus', 'Mapping', 'MappingPreview', 'Me']));
    for (const r of refs(doc)) expect(named, r).toContain(r.replace('#/components/schemas/', ''));
    const getRun = (doc.paths as Record<string, { get: { responses: Record<string, { content: Record<string, { schema: unknown }> }> } }>)['/api/v1/runs/{id}'];
    expect(getRun?.get.responses['200']?.content['application/json']?.schema).toEqual({ $ref: '#/components/schemas/RunDetail' });
  });

  it('type-check the console (tsc -p web)', async () => {
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const result = await promisify(execFile)(process.execPath, [tsc, '-p', 'web', '--noEmit'], { cwd: ROOT }).then(
      () => '',
      (err: { stdout?: string; stderr?: string; message: string }) => `${err.stdout ?? ''}${err.stderr ?? ''}` || err.message,
    );
    expect(result, 'the console does not type-check against the API types').toBe('');
  }, 180_000);
});
