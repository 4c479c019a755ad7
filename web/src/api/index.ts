// The console's only door to the service: a typed client (openapi-fetch) over the types generated
// from the server's OpenAPI document (./schema.d.ts, `npm run gen:api`), under /api/v1 with the
// session cookie. Unsafe methods send X-Requested-With (the server's CSRF rule, src/server/auth.ts).
// Errors arrive as problem+json; `ok()` throws them as ApiError with the field errors kept, so forms
// can put each message under its field. Any 401 outside sign-in means the session ended.
//
//   const run = await ok(api.GET('/runs/{id}', { params: { path: { id } }, signal }));
import createClient from 'openapi-fetch';
import type { ApiPaths, FieldError } from './types';

export type { FieldError } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors: FieldError[] = [],
    readonly body: unknown = null,
  ) {
    super(message);
  }
}

/** Called on any 401 (the session expired): the app sends the user to sign in. */
let onUnauthorized: (() => void) | null = null;
export function setUnauthorizedHandler(fn: (() => void) | null): void {
  onUnauthorized = fn;
}

export const api = createClient<ApiPaths>({ baseUrl: '/api/v1', credentials: 'same-origin', headers: { accept: 'application/json' } });

api.use({
  onRequest({ request }) {
    if (request.method !== 'GET') request.headers.set('x-requested-with', 'wecom-sync-console');
    return request;
  },
  onResponse({ response, schemaPath }) {
    if (response.status === 401 && schemaPath !== '/auth/login') onUnauthorized?.();
  },
});

/** The problem+json of a failed answer (anything else: its text) as an ApiError. */
function apiError(status: number, body: unknown): ApiError {
  const p = (body && typeof body === 'object' ? body : {}) as { detail?: string; title?: string; errors?: FieldError[] };
  return new ApiError(status, p.detail ?? p.title ?? `HTTP ${status}`, Array.isArray(p.errors) ? p.errors : [], body ?? null);
}

/** The body of a successful answer; a failed one is thrown as ApiError. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw apiError(response.status, error);
  return data as T;
}

/** Path segment encoding for the console's own links (names and ids). */
export const seg = (s: string | number): string => encodeURIComponent(String(s));
