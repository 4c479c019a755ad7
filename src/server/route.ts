// One declaration per route: method, URL, who may call it, the zod schemas of its input and
// output, and its documentation. `defineRoute` registers the Fastify route, validates the input
// with those schemas (400 problem+json with field-level errors) and records the declaration, from
// which /api/v1/openapi.json is generated (./openapi.ts) — the schemas are the one source.
// The handler is typed against them too: it returns (or `reply.send`s) the output type of its
// success response's schema, so the document cannot drift from what the route sends; a route
// without a success body returns nothing (or the reply).
//
// Access (enforced by ./auth.ts on every /api/v1 route):
//   'public'         anyone (login, the OpenAPI document)
//   'authenticated'  any signed-in user or token (me, logout)
//   'viewer'         role viewer or admin — the default for GET
//   'admin'          role admin — the default for every other method
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { ProblemError, fromZod } from './problem.js';

export type Access = 'public' | 'authenticated' | 'viewer' | 'admin';
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ResponseSpec {
  description: string;
  /** JSON body schema; omit for no body. */
  schema?: z.ZodType;
  /** Default application/json. */
  contentType?: string;
  headers?: Record<string, string>;
}

export type Responses = Record<number, ResponseSpec>;

export interface RouteSpec<B extends z.ZodType | undefined, Q extends z.ZodType | undefined, P extends z.ZodType | undefined, R extends Responses = Responses> {
  method: Method;
  /** Relative to the plugin's prefix, Fastify syntax (`/accounts/:id`). */
  url: string;
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  /** Default: 'viewer' for GET, 'admin' otherwise. */
  access?: Access;
  body?: B;
  query?: Q;
  params?: P;
  /** Success and route-specific error responses; the common problems (400/401/403/413) are added automatically. */
  responses: R;
  /** Override of the app's body limit, in bytes. */
  bodyLimit?: number;
  /** Request headers the route reads (documented as parameters). */
  headers?: Array<{ name: string; description: string }>;
}

/** A recorded declaration, with the full path. */
export interface RouteDoc extends Omit<RouteSpec<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined>, 'access'> {
  path: string;
  access: Access;
}

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

type SuccessCode = 200 | 201 | 202 | 203 | 204 | 205 | 206;
type BodyOf<Res> = Res extends { schema: infer S extends z.ZodType } ? z.output<S> : undefined;
type OrUndefined<T> = [T] extends [never] ? undefined : T;
/** What the route sends on success: the output of its 2xx response's schema; undefined when it has none. */
type SuccessBody<R> = OrUndefined<{ [C in keyof R & SuccessCode]: BodyOf<R[C]> }[keyof R & SuccessCode]>;
/** Any body the route documents (success or a route-specific status with its own schema, like /readyz's 503). */
type AnyBody<R> = OrUndefined<{ [C in keyof R & number]: BodyOf<R[C]> }[keyof R & number]>;
/** The reply handed to a handler: `send` takes only a documented body (anything, when the route documents none). */
type RouteReply<R> = FastifyReply<{ Reply: AnyBody<R> }>;
/** A handler returns the success body, or the reply it has sent (nothing when there is no success body). */
type HandlerResult<R> = SuccessBody<R> extends undefined ? void | RouteReply<R> : SuccessBody<R> | RouteReply<R>;

interface RouteInput<B, Q, P> {
  body: Out<B>;
  query: Out<Q>;
  params: Out<P>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyInstance {
    /** Every route declared with defineRoute, in registration order. */
    apiRoutes: RouteDoc[];
  }
}

export function defaultAccess(method: string): Access {
  return method === 'GET' || method === 'HEAD' ? 'viewer' : 'admin';
}

function parse(schema: z.ZodType | undefined, value: unknown, where: 'body' | 'query' | 'params'): unknown {
  if (!schema) return undefined;
  const r = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!r.success) throw new ProblemError(fromZod(r.error, where));
  return r.data;
}

export function defineRoute<
  B extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  P extends z.ZodType | undefined = undefined,
  R extends Responses = Responses,
>(app: FastifyInstance, spec: RouteSpec<B, Q, P, R>, handler: (input: RouteInput<B, Q, P>, req: FastifyRequest, reply: RouteReply<R>) => Promise<HandlerResult<R>>): void {
  const access = spec.access ?? defaultAccess(spec.method);
  app.apiRoutes.push({ ...(spec as RouteDoc), path: `${app.prefix}${spec.url}`, access });
  app.route({
    method: spec.method,
    url: spec.url,
    config: { access },
    ...(spec.bodyLimit !== undefined ? { bodyLimit: spec.bodyLimit } : {}),
    handler: async (req, reply) => {
      const input = {
        params: parse(spec.params, req.params, 'params'),
        query: parse(spec.query, req.query, 'query'),
        body: parse(spec.body, req.body, 'body'),
      } as RouteInput<B, Q, P>;
      return handler(input, req, reply as RouteReply<R>);
    },
  });
}
