// The console's only door to the service: JSON over /api/v1 with the session cookie.
// Unsafe methods send X-Requested-With (the server's CSRF rule, src/server/auth.ts).
// Errors arrive as problem+json and are thrown as ApiError with the field errors kept,
// so forms can put each message under its field.

export interface FieldError {
  field: string;
  message: string;
}

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

export async function api<T = unknown>(method: string, path: string, body?: unknown, init?: { signal?: AbortSignal }): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-requested-with'] = 'wecom-sync-console';
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`/api/v1${path}`, {
    method,
    headers,
    credentials: 'same-origin',
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    ...(init?.signal ? { signal: init.signal } : {}),
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!res.ok) {
    const p = (data && typeof data === 'object' ? data : {}) as { detail?: string; title?: string; errors?: FieldError[] };
    if (res.status === 401 && !path.startsWith('/auth/login')) onUnauthorized?.();
    throw new ApiError(res.status, p.detail ?? p.title ?? `HTTP ${res.status}`, Array.isArray(p.errors) ? p.errors : [], data);
  }
  return data as T;
}

export const get = <T = unknown>(path: string, init?: { signal?: AbortSignal }) => api<T>('GET', path, undefined, init);
export const post = <T = unknown>(path: string, body?: unknown) => api<T>('POST', path, body ?? {});
export const put = <T = unknown>(path: string, body?: unknown) => api<T>('PUT', path, body ?? {});
export const patch = <T = unknown>(path: string, body?: unknown) => api<T>('PATCH', path, body ?? {});
export const del = <T = unknown>(path: string) => api<T>('DELETE', path);

/** Path segment encoding for names and ids. */
export const seg = (s: string | number): string => encodeURIComponent(String(s));
