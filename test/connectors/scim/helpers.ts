// A SCIM client for tests: the fully wired admin app (test/server/harness.ts), an endpoint created
// through the admin API, and requests to it with its token, as an identity provider sends them.
import type { LightMyRequestResponse } from 'fastify';
import { Directory } from '../../../src/directory/directory.js';
import { type Harness, bearer, harness } from '../../server/harness.js';
import type { TestBackend } from '../../store/backends.js';

export const SCIM_JSON = 'application/scim+json';
export const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export const patchOp = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations });

export interface ScimClient {
  path: string;
  token: string;
  call(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
}

export interface ScimHarness extends Harness {
  directory: Directory;
  /** Creates an endpoint through POST /api/v1/scim/endpoints and returns a client holding its token. */
  endpoint(name: string, settings?: Record<string, unknown>): Promise<ScimClient>;
  client(path: string, token: string): ScimClient;
}

export async function scimHarness(backend?: TestBackend): Promise<ScimHarness> {
  const h = await harness(backend ? { backend } : {});
  const client = (path: string, token: string): ScimClient => ({
    path,
    token,
    call: (method, url, body, headers = {}) =>
      h.inject({
        method,
        url: `${path}${url}`,
        headers: { ...bearer(token), accept: SCIM_JSON, ...(body !== undefined ? { 'content-type': SCIM_JSON } : {}), ...headers },
        ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      }),
  });
  return {
    ...h,
    directory: new Directory(h.t.store),
    client,
    async endpoint(name, settings = {}) {
      const r = await h.inject({ method: 'POST', url: '/api/v1/scim/endpoints', headers: bearer(h.adminToken), payload: { name, ...settings } });
      if (r.statusCode !== 201) throw new Error(`creating SCIM endpoint ${name}: ${r.statusCode} ${r.body}`);
      const { path, token } = r.json() as { path: string; token: string };
      return client(path, token);
    },
  };
}
