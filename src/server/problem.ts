// RFC 9457 problem details: every API error is `application/problem+json` with
// {type, title, status, detail, errors:[{field, message}]} (+ `explanation` {en, zh} when there is one,
// + `code` and `params` when a client may word the detail itself).
// toAppError is the one place a thrown error becomes an answer: AppErrors (src/domain/errors.ts)
// as they are, the few foreign errors the API lets through translated, anything else a logged 500.
import { type CodedText, type Lang, type TextParams, coded, isMessageCode, render } from '../messages/index.js';
import type { FastifyReply } from 'fastify';
import type { ZodError } from 'zod';
import { SecretDecryptError, SecretKeyError } from '../connections/crypto.js';
import type { FieldError } from '../domain/common.js';
import { AppError, type Explanation } from '../domain/errors.js';
import { WeComError, WeComTransportError } from '../wecom/errors/wecom-error.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TYPE_PREFIX = 'urn:wecom-sync:problem:';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors: FieldError[];
  explanation?: Explanation;
  /** A stable code for the detail and its parameters, for clients that word it themselves (the console, in the user's language). */
  code?: string;
  params?: Readonly<TextParams>;
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
  502: ['upstream', 'WeCom refused the request or could not be reached'],
  503: ['unavailable', 'Service unavailable'],
};

/** A problem of `typeName` (default: the status's own, e.g. `not-found`); a coded detail brings its code and params. */
export function problem(status: number, detail: string | CodedText, errors: FieldError[] = [], typeName?: string): Problem {
  const [slug, title] = TITLES[status] ?? ['error', 'Error'];
  const p: Problem = { type: `${TYPE_PREFIX}${typeName ?? slug}`, title, status, detail: typeof detail === 'string' ? detail : detail.message, errors };
  if (typeof detail !== 'string') {
    p.code = detail.code;
    if (detail.params) p.params = detail.params;
  }
  return p;
}

/** A failure of the HTTP layer itself (auth, request shape, rate limit), given as its problem and headers. */
export class ProblemError extends AppError {
  override readonly name = 'ProblemError';
  constructor(p: Problem, headers: Record<string, string> = {}) {
    super(p.type.slice(TYPE_PREFIX.length), p.status, p.detail, {
      errors: p.errors,
      headers,
      ...(p.code !== undefined ? { messageCode: p.code } : {}),
      ...(p.params !== undefined ? { params: p.params } : {}),
    });
  }
}

const INTERNAL_ERROR = 'an internal error occurred; see the server log';

/**
 * Any thrown error as the AppError to answer with. Status 500 and up means the server log needs the
 * original: the caller logs it.
 */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  // WeCom answered with an error or could not be reached (messages carry no secret: the client redacts tokens)
  // (WeCom's own words are data: a client says the rest in its language, with `explanation` for the errcode)
  if (err instanceof WeComError) return new AppError('wecom-error', 502, coded('error.wecom', { detail: err.message }), { explanation: err.explanation, cause: err });
  if (err instanceof WeComTransportError) return new AppError('wecom-unreachable', 502, coded('error.wecom-unreachable', { detail: err.message }), { cause: err });
  // Their messages name the key file for the operator; the answer does not. A stored secret the key
  // cannot decrypt (the key was lost or changed) is a state the admin repairs by entering it again: 409.
  if (err instanceof SecretDecryptError)
    return new AppError(
      'secret-unreadable',
      409,
      `${err.subject.charAt(0).toUpperCase()}${err.subject.slice(1)} cannot be decrypted with this service's secret key: the key was lost or changed since it was stored. ` +
        "Enter it again (the connection's settings in the console, or PATCH /api/v1/connections/{name}), or restore the original key.",
      { cause: err },
    );
  if (err instanceof SecretKeyError) return new AppError('secret-key', 500, 'the secret key (WECOM_SYNC_SECRET_KEY or the key file) is unusable; see the server log', { cause: err });
  // Fastify's own rejections (malformed JSON, wrong content type, body too large) are written for the client.
  const { statusCode, message } = (err ?? {}) as { statusCode?: unknown; message?: unknown };
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500)
    return new AppError(TITLES[statusCode]?.[0] ?? 'error', statusCode, typeof message === 'string' ? message : 'request rejected');
  return new AppError('internal', 500, INTERNAL_ERROR, { cause: err });
}

/**
 * The problem+json body of an AppError. `detail` and the field errors' messages are English, or in
 * `lang` (the request's Accept-Language) when their code is in the catalogue; `code` and `params`
 * stay, so a client can always word them itself.
 */
export function problemOf(err: AppError, lang: Lang = 'en'): Problem {
  const say = (text: string, code: string | undefined, params: Readonly<TextParams> | undefined): string =>
    lang !== 'en' && code !== undefined && isMessageCode(code) ? render({ code, params: { ...params } }, lang) : text;
  const p: Problem = problem(
    err.status,
    say(err.message, err.messageCode, err.params),
    err.errors.map((e) => (lang === 'en' ? e : { ...e, message: say(e.message, e.code, e.params) })),
    err.code,
  );
  if (err.explanation) p.explanation = err.explanation;
  if (err.messageCode !== undefined) p.code = err.messageCode;
  if (err.params !== undefined) p.params = err.params;
  return p;
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
