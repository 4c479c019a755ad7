// The failures a caller can act on, in one shape every room throws and every edge reads: the HTTP
// API sends an AppError as problem+json (src/server/problem.ts), the CLI prints its message and picks
// an exit code from its status (src/cli/shared.ts). Anything that is not an AppError is a bug or an
// outage: the API logs it and answers 500 without details.
import type { CodedText, TextParams } from '../messages/index.js';
import type { FieldError } from './common.js';

/** A failure explained in plain words, in both languages the console speaks. */
export interface Explanation {
  en: string;
  zh: string;
}

interface AppErrorOptions {
  /** Field-level problems, so a form can put each message under its field. */
  errors?: readonly FieldError[];
  /** Headers the answer needs: Retry-After, WWW-Authenticate. */
  headers?: Readonly<Record<string, string>>;
  /** What went wrong in plain words, when there is more to say than the message (a WeCom errcode's meaning). */
  explanation?: Explanation;
  /**
   * A stable code for this message (e.g. `demo-active.whole-directory`) and its parameters: a client
   * renders its own text from them, in its user's language; the message stays the English default.
   */
  messageCode?: string;
  params?: Readonly<TextParams>;
  cause?: unknown;
}

export class AppError extends Error {
  override readonly name: string = 'AppError';
  readonly errors: FieldError[];
  readonly headers: Readonly<Record<string, string>>;
  readonly explanation: Explanation | undefined;
  readonly messageCode: string | undefined;
  readonly params: Readonly<TextParams> | undefined;

  /**
   * @param code    stable, kebab-case: the problem type (`urn:wecom-sync:problem:<code>`) clients may branch on
   * @param status  the HTTP status this failure answers with
   * @param message safe to show to any signed-in user: never a secret, never a file path; a coded text
   *                (src/messages `coded()`) gives its English as the message and its code and params to clients
   */
  constructor(
    readonly code: string,
    readonly status: number,
    message: string | CodedText,
    opts: AppErrorOptions = {},
  ) {
    super(typeof message === 'string' ? message : message.message, opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.errors = [...(opts.errors ?? [])];
    this.headers = opts.headers ?? {};
    this.explanation = opts.explanation;
    this.messageCode = typeof message === 'string' ? opts.messageCode : message.code;
    this.params = typeof message === 'string' ? opts.params : message.params;
  }
}
