// The JSON body parser: Fastify's own (it refuses `__proto__` and `constructor.prototype` keys),
// fed with the body decoded so that bytes which are not UTF-8 survive as lone surrogates instead of
// silently becoming U+FFFD; then every text is checked (src/domain/unicode.ts). A body with invalid
// text — a lone surrogate or bytes that are not UTF-8 — answers 400 naming its fields, on every
// route, before anything can be stored altered.
import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import { INVALID_TEXT_MESSAGE, invalidTextFields } from '../domain/unicode.js';
import { ProblemError, problem } from './problem.js';

export function registerJsonParser(app: FastifyInstance, contentType = 'application/json'): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  if (app.hasContentTypeParser(contentType)) app.removeContentTypeParser(contentType);
  app.addContentTypeParser(contentType, { parseAs: 'buffer' }, (req, body, done) => {
    parse(req, decodeUtf8MarkingInvalid(body as Buffer), (err, value) => {
      if (err) return done(err, undefined);
      const bad = invalidTextFields(value);
      if (bad.length === 0) return done(null, value);
      const errors = bad.map((field) => ({ field: field || 'body', message: INVALID_TEXT_MESSAGE }));
      done(new ProblemError(problem(400, `invalid request body: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`, errors, 'invalid-request')), undefined);
    });
  });
}

/** UTF-8 to text; each byte that is not part of a valid sequence becomes the lone surrogate U+DC80–U+DCFF. */
function decodeUtf8MarkingInvalid(buf: Buffer): string {
  if (isUtf8(buf)) return buf.toString('utf8');
  let out = '';
  let start = 0;
  for (let i = 0; i < buf.length; ) {
    const n = sequenceLength(buf, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out += buf.toString('utf8', start, i) + String.fromCharCode(0xdc00 + buf[i]!);
    start = ++i;
  }
  return out + buf.toString('utf8', start);
}

/** The length of the well-formed UTF-8 sequence at `i` (the Unicode standard's table 3-7), or 0. */
function sequenceLength(buf: Buffer, i: number): number {
  const b = buf[i]!;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    const c = buf[i + k];
    return c !== undefined && c >= lo && c <= hi;
  };
  if (b < 0x80) return 1;
  if (b >= 0xc2 && b <= 0xdf) return cont(1) ? 2 : 0;
  if (b >= 0xe0 && b <= 0xef) {
    const [lo, hi] = b === 0xe0 ? [0xa0, 0xbf] : b === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (b >= 0xf0 && b <= 0xf4) {
    const [lo, hi] = b === 0xf0 ? [0x90, 0xbf] : b === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}
