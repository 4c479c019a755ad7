// The simulator's error type and WeCom's answer envelope. Texts come from the one errcode
// catalogue (src/wecom/errors/catalog.ts); nothing here invents its own wording.
import { errcodeInfo } from '../wecom/errors/catalog.js';
import type { RuleViolation } from '../wecom/rules/fields.js';

/** A business error: answered with HTTP 200 and a non-zero errcode. */
export class SimError extends Error {
  constructor(
    readonly errcode: number,
    readonly detail?: string,
    /** extra top-level fields some WeCom read APIs include in error bodies */
    readonly extra?: Record<string, unknown>,
  ) {
    super(`${errcode} ${errcodeInfo(errcode).en}${detail ? `: ${detail}` : ''}`);
    this.name = 'SimError';
  }
}

/** Throws the first violation of a stateless rule check as a SimError. */
export function raise(violation: RuleViolation | null): void {
  if (violation) throw new SimError(violation.errcode, violation.message);
}

/** A 25-digit decimal request id, like WeCom's hints since 2022. */
function hintId(now: number = Date.now()): string {
  let tail = '';
  while (tail.length < 12) tail += Math.floor(Math.random() * 10).toString();
  return `${String(now).padStart(13, '0').slice(-13)}${tail}`;
}

/**
 * WeCom's error errmsg: `<text>, hint: [<id>], from ip: <ip>, more info at …?e=<code>`.
 * The simulator adds the violated rule after the text (`<text>: <detail>`) so a developer sees which field was
 * wrong; clients must never parse errmsg, only errcode.
 */
export function errmsgFor(errcode: number, ip: string, detail?: string, now?: number): string {
  const text = detail ? `${errcodeInfo(errcode).en}: ${detail}` : errcodeInfo(errcode).en;
  return `${text}, hint: [${hintId(now)}], from ip: ${ip}, more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}`;
}

/** Header-safe copy of an errmsg (HTTP headers carry Latin-1 only; other characters are percent-encoded). */
export function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, (c) => encodeURIComponent(c));
}
