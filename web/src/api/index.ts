// The console's only door to the service: a typed client (openapi-fetch) over the types generated
// from the server's OpenAPI document (./schema.d.ts, `npm run gen:api`), under /api/v1 with the
// session cookie. Unsafe methods send X-Requested-With (the server's CSRF rule, src/server/auth.ts).
// Errors arrive as problem+json; `ok()` throws them as ApiError with the field errors kept, so forms
// can put each message under its field. This is the one place API errors become text: the detail and
// each field error are rendered from their `code` and `params` through the message catalogue
// (src/messages) in the console's language, the server's `detail` / `message` when the code is not
// known here. Requests ask for that language too (Accept-Language), so even an unknown code's detail
// comes in it when the server can. Any 401 outside sign-in means the session ended.
//
//   const run = await ok(api.GET('/runs/{id}', { params: { path: { id } }, signal }));
import createClient from 'openapi-fetch';
import { type Lang, isMessageCode, render } from '../../../src/messages/index';
import type { ApiPaths, FieldError } from './types';

export type { FieldError } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** The problem in the console's language (its code rendered), else the server's detail. */
    message: string,
    /** Field errors, each message in the console's language when its code is known. */
    readonly errors: FieldError[] = [],
    readonly body: unknown = null,
  ) {
    super(message);
  }

  /** The problem's parameters (`seconds` of a sign-in limit, …). */
  get params(): Record<string, unknown> {
    const p = (this.body as { params?: unknown } | null)?.params;
    return p && typeof p === 'object' ? (p as Record<string, unknown>) : {};
  }

  /** The problem's stable code (`error.run-active`, …), when it has one. */
  get code(): string | undefined {
    const c = (this.body as { code?: unknown } | null)?.code;
    return typeof c === 'string' ? c : undefined;
  }
}

/** The console's language, for Accept-Language and for the text of errors (set by the i18n provider). */
let language: Lang = 'en';
export function setApiLanguage(lang: Lang): void {
  language = lang;
}

/** A coded text in the console's language; `fallback` (the server's words) when the code is not in this console's catalogue. */
function textOf(code: unknown, params: unknown, fallback: string): string {
  return typeof code === 'string' && isMessageCode(code) ? render({ code, params: (params ?? {}) as Record<string, unknown> }, language) : fallback;
}

/** Called on any 401 (the session expired): the app sends the user to sign in. */
let onUnauthorized: (() => void) | null = null;
export function setUnauthorizedHandler(fn: (() => void) | null): void {
  onUnauthorized = fn;
}

export const api = createClient<ApiPaths>({ baseUrl: '/api/v1', credentials: 'same-origin', headers: { accept: 'application/json' } });

api.use({
  onRequest({ request }) {
    request.headers.set('accept-language', language);
    if (request.method !== 'GET') request.headers.set('x-requested-with', 'wecom-sync-console');
    return request;
  },
  onResponse({ response, schemaPath }) {
    if (response.status === 401 && schemaPath !== '/auth/login') onUnauthorized?.();
  },
});

/** The problem+json of a failed answer (anything else: its text) as an ApiError. */
function apiError(status: number, body: unknown): ApiError {
  const p = (body && typeof body === 'object' ? body : {}) as { detail?: string; title?: string; errors?: FieldError[]; code?: unknown; params?: unknown };
  const errors = (Array.isArray(p.errors) ? p.errors : []).map((e) => ({ ...e, message: textOf(e.code, e.params, e.message) }));
  return new ApiError(status, textOf(p.code, p.params, p.detail ?? p.title ?? `HTTP ${status}`), errors, body ?? null);
}

/** The body of a successful answer; a failed one is thrown as ApiError. */
export async function ok<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw apiError(response.status, error);
  return data as T;
}

/** Path segment encoding for the console's own links (names and ids). */
export const seg = (s: string | number): string => encodeURIComponent(String(s));
