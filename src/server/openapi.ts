// The OpenAPI 3.1 document, generated from the route declarations (./route.ts): the same zod
// schemas validate requests and describe them here. JSON Schema 2020-12 is OpenAPI 3.1's dialect.
// A schema named with zod's `.meta({ id: 'Run' })` is described once, under components/schemas,
// and referenced from every place that uses it (the console's generated types name it too).
import { z } from 'zod';
import { PROBLEM_CONTENT_TYPE } from './problem.js';
import type { Access, RouteDoc } from './route.js';

type JsonSchema = Record<string, unknown>;

const problemSchema = z
  .object({
    type: z.string().describe('urn:wecom-sync:problem:<slug>'),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    errors: z
      .array(
        z.object({
          field: z.string(),
          message: z.string(),
          code: z
            .string()
            .optional()
            .describe('a stable code for the message, where it has one: a message catalogue code (`invalid.required`, `invalid.mobile`, import `row.*`), or a mapping error\'s (E_UNKNOWN_FUNCTION, E_DEF_REQUIRED, …)'),
          params: z.record(z.string(), z.union([z.string(), z.number()])).optional().describe('what the message names, for saying it in another language'),
        }),
      )
      .describe('field-level errors; empty when the problem is not about one field'),
    explanation: z.object({ en: z.string(), zh: z.string() }).optional().describe("what went wrong in plain words, e.g. the meaning of WeCom's errcode (502)"),
    code: z
      .string()
      .optional()
      .describe(
        'a stable code for the detail (`error.run-active`, `error.username-taken`, `demo-active.whole-directory`, …; the message catalogue, src/messages) that a client words itself, ' +
          "in its user's language, with `params`; `detail` is the English (or, with `Accept-Language: zh`, the Chinese) rendering. A client that does not know the code shows `detail`",
      ),
    params: z
      .record(z.string(), z.union([z.string(), z.number(), z.object({ code: z.string(), params: z.record(z.string(), z.unknown()).optional() })]))
      .optional()
      .describe("the code's parameters: values, or clauses (a code with params of its own, e.g. a field error's text inside the detail)"),
  })
  .meta({ id: 'Problem' });

type Convert = (schema: z.ZodType, io: 'input' | 'output') => JsonSchema;

const COMPONENT = '#/components/schemas/';

/** `#/$defs/Run` → `#/components/schemas/Run`, everywhere in a converted schema. */
function toComponentRefs(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toComponentRefs);
  if (!v || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.entries(v).map(([k, x]) => [k, k === '$ref' && typeof x === 'string' && x.startsWith('#/$defs/') ? COMPONENT + x.slice('#/$defs/'.length) : toComponentRefs(x)]),
  );
}

/** A zod → JSON Schema converter that moves the named schemas it meets into `components`. */
function converter(components: Record<string, JsonSchema>): Convert {
  return (schema, io) => {
    const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'inline' }) as JsonSchema;
    const defs = (out.$defs ?? {}) as Record<string, JsonSchema>;
    delete out.$schema;
    delete out.id;
    delete out.$defs;
    for (const [id, def] of Object.entries(defs)) {
      const moved = toComponentRefs(def) as JsonSchema;
      if (components[id] && JSON.stringify(components[id]) !== JSON.stringify(moved))
        throw new Error(`two different schemas are named "${id}" (one name for a request and a response shape, or two copies?)`);
      components[id] = moved;
    }
    return toComponentRefs(out) as JsonSchema;
  };
}

const problemRef = { $ref: `${COMPONENT}Problem` };
const problemResponse = (description: string) => ({ description, content: { [PROBLEM_CONTENT_TYPE]: { schema: problemRef } } });

const headersOf = (headers: Record<string, string> | undefined) =>
  headers ? { headers: Object.fromEntries(Object.entries(headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }])) } : {};

const ACCESS_TEXT: Record<Access, string> = {
  public: 'No authentication.',
  authenticated: 'Any signed-in user or API token.',
  viewer: 'Role viewer or admin.',
  admin: 'Role admin.',
};

/** `/accounts/:id` → `/accounts/{id}` */
const openApiPath = (fastifyPath: string): string => fastifyPath.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function parameters(route: RouteDoc, jsonSchema: Convert): JsonSchema[] {
  const out: JsonSchema[] = [];
  for (const [where, schema] of [['path', route.params], ['query', route.query]] as const) {
    if (!schema) continue;
    const js = jsonSchema(schema, 'input');
    const props = (js.properties ?? {}) as Record<string, JsonSchema>;
    const required = new Set((js.required ?? []) as string[]);
    for (const [name, s] of Object.entries(props)) {
      const { description, ...rest } = s;
      out.push({ name, in: where, required: where === 'path' || required.has(name), schema: rest, ...(description ? { description } : {}) });
    }
  }
  for (const h of route.headers ?? []) out.push({ name: h.name, in: 'header', required: false, description: h.description, schema: { type: 'string' } });
  return out;
}

interface OpenApiInfo {
  title?: string;
  version?: string;
}

export function buildOpenApi(routes: readonly RouteDoc[], info: OpenApiInfo = {}): JsonSchema {
  const components: Record<string, JsonSchema> = {};
  const jsonSchema = converter(components);
  jsonSchema(problemSchema, 'output');
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const r of routes) {
    const responses: Record<string, JsonSchema> = {};
    for (const [status, res] of Object.entries(r.responses)) {
      if (Number(status) >= 400 && !res.schema) {
        responses[status] = { ...problemResponse(res.description), ...headersOf(res.headers) };
        continue;
      }
      const type = res.contentType ?? 'application/json';
      responses[status] = {
        description: res.description,
        ...(res.schema ? { content: { [type]: { schema: jsonSchema(res.schema, 'output') } } } : res.contentType ? { content: { [type]: {} } } : {}),
        ...headersOf(res.headers),
      };
    }
    if ((r.body || r.query || r.params || r.headers) && !responses['400']) responses['400'] = problemResponse('Invalid input; `errors` names each field.');
    if (r.body && !responses['413']) responses['413'] = problemResponse('The request body is larger than the limit.');
    if (r.access !== 'public') {
      responses['401'] ??= problemResponse('Not signed in, or the API token is invalid or revoked.');
      if (r.access !== 'authenticated') responses['403'] ??= problemResponse(`Signed in without the needed role (${r.access}), or a cross-site request.`);
    }
    const op: JsonSchema = {
      operationId: r.operationId,
      summary: r.summary,
      description: [r.description, `Access: ${ACCESS_TEXT[r.access]}`].filter(Boolean).join('\n\n'),
      tags: r.tags,
      'x-access': r.access,
      ...(r.access === 'public' ? { security: [] } : {}),
      parameters: parameters(r, jsonSchema),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } } } : {}),
      responses,
    };
    const p = openApiPath(r.path);
    paths[p] ??= {};
    paths[p][r.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: info.title ?? 'wecom-sync admin API',
      version: info.version ?? '0.1.0',
      description: 'Keeps Enterprise WeChat (WeCom) departments and members in step with an identity directory. Errors are RFC 9457 problem+json.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
      securitySchemes: {
        session: { type: 'apiKey', in: 'cookie', name: 'wecom_sync_session', description: 'Console session from POST /api/v1/auth/login. Unsafe methods also need a same-origin Origin header or X-Requested-With.' },
        bearer: { type: 'http', scheme: 'bearer', description: 'API token (`wst_…`) from POST /api/v1/tokens.' },
      },
    },
    security: [{ session: [] }, { bearer: [] }],
  };
}
