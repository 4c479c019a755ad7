// RFC 9457 problem details: every API error is `application/problem+json` with
// {type, title, status, detail, errors:[{field, message}]}.
import type { FastifyReply } from 'fastify';
import type { ZodError } from 'zod';
import type { FieldError } from '../domain/common.js';
import { DirectoryError } from '../directory/errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors: FieldError[];
}

const TITLES: Record<number, [string, string]> = {
  400: ['bad-request', 'The request is malformed'],
  401: ['unauthorized', 'Authentication required'],
  403: ['forbidden', 'Not allowed'],
  404: ['not-found', 'Not found'],
  405: ['method-not-allowed', 'Method not allowed'],
  409: ['conflict', 'Conflict with another object'],
  412: ['precondition-failed', 'The object changed since it was read'],
  413: ['payload-too-large', 'The request body is too large'],
  415: ['unsupported-media-type', 'Unsupported content type'],
  422: ['validation', 'The input breaks a directory rule'],
  429: ['too-many-requests', 'Too many requests'],
  500: ['internal', 'Internal error'],
  503: ['unavailable', 'Service unavailable'],
};

export function problem(status: number, detail: string, errors: FieldError[] = [], typeName?: string): Problem {
  const [slug, title] = TITLES[status] ?? ['error', 'Error'];
  return { type: `urn:wecom-sync:problem:${typeName ?? slug}`, title, status, detail, errors };
}

/** Thrown from hooks and handlers; the app's error handler sends it as problem+json (with `headers`, e.g. Retry-After). */
export class ProblemError extends Error {
  constructor(
    readonly problem: Problem,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem.detail);
  }
}

export function sendProblem(reply: FastifyReply, p: Problem): FastifyReply {
  return reply.code(p.status).type(PROBLEM_CONTENT_TYPE).send(p);
}

export function fromZod(err: ZodError, where: 'body' | 'query' | 'params' = 'body'): Problem {
  const errors = err.issues.flatMap((i): FieldError[] => {
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => ({ field: [...i.path, k].join('.'), message: 'is not a known field' }));
    const field = i.path.join('.') || where;
    return [{ field, message: i.message }];
  });
  return problem(400, `invalid request ${where}: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, errors, 'invalid-request');
}

export function fromDirectoryError(err: DirectoryError): Problem {
  const status = err.code === 'not_found' ? 404 : err.code === 'conflict' ? 409 : 422;
  return problem(status, err.message, err.errors);
}
