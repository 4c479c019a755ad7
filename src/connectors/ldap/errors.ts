// Errors of directory sources: AppErrors with stable codes (problem+json over HTTP, a sentence and
// an exit code in the CLI). Messages never carry the bind password.
import type { FieldError } from '../../domain/common.js';
import { AppError } from '../../domain/errors.js';
import { type CodedText, coded } from '../../messages/index.js';

/** The server could not be reached, refused TLS, or refused the bind. */
export class SourceConnectError extends AppError {
  override readonly name = 'SourceConnectError';
  constructor(message: string | CodedText, cause?: unknown) {
    super('source-unreachable', 502, message, { cause });
  }
}

export class SourceNotFoundError extends AppError {
  override readonly name = 'SourceNotFoundError';
  constructor(name: string) {
    super('source-not-found', 404, coded('error.source-not-found', { name }));
  }
}

export class SourceValidationError extends AppError {
  override readonly name = 'SourceValidationError';
  constructor(message: string | CodedText, errors: readonly FieldError[] = []) {
    super('source-invalid', 422, message, { errors });
  }
}

export class SourceConflictError extends AppError {
  override readonly name = 'SourceConflictError';
  constructor(message: string | CodedText) {
    super('source-conflict', 409, message);
  }
}

/** A pull over the safety threshold: nothing was applied; run it again with approval. */
export class PullHeldError extends AppError {
  override readonly name = 'PullHeldError';
  constructor(
    message: string | CodedText,
    readonly preview: { organizations: { deleted: number }; accounts: { deleted: number; disabled: number } },
  ) {
    super('source-pull-held', 409, message);
  }
}

/** Another pull of the same source is running. */
export class PullBusyError extends AppError {
  override readonly name = 'PullBusyError';
  constructor(name: string) {
    super('source-pull-busy', 409, coded('error.pull-busy', { name }));
  }
}
