// Errors of the directory: AppErrors (src/domain/errors.ts) the HTTP layer sends as problem+json and
// the CLI prints. Messages name the objects involved (name and id) so an admin can act on them.
import type { FieldError } from '../domain/common.js';
import { AppError } from '../domain/errors.js';
import { type CodedText, clause, coded } from '../messages/index.js';

type DirectoryErrorCode = 'validation' | 'not-found' | 'conflict';

const STATUS: Record<DirectoryErrorCode, number> = { validation: 422, 'not-found': 404, conflict: 409 };

export class DirectoryError extends AppError {
  override readonly name: string = 'DirectoryError';
  declare readonly code: DirectoryErrorCode;

  constructor(code: DirectoryErrorCode, message: string | CodedText, errors: readonly FieldError[] = []) {
    super(code, STATUS[code], message, { errors });
  }
}

/** Input that breaks a rule: bad formats, unknown parent, cycles. */
export class ValidationError extends DirectoryError {
  override readonly name = 'ValidationError';
  constructor(message: string | CodedText, errors: readonly FieldError[] = []) {
    super('validation', message, errors);
  }
}

export class NotFoundError extends DirectoryError {
  override readonly name = 'NotFoundError';
  constructor(message: string | CodedText) {
    super('not-found', message);
  }
}

/** Clashes with another object: duplicate username, sibling name or external id, stale version, still in use. */
export class ConflictError extends DirectoryError {
  override readonly name = 'ConflictError';
  constructor(message: string | CodedText, errors: readonly FieldError[] = []) {
    super('conflict', message, errors);
  }
}

/** The 422 of field errors of an object (`what`: organization, account, SCIM endpoint settings). */
export function validationFrom(errors: FieldError[], what: 'organization' | 'account' | 'scim-endpoint'): ValidationError {
  const first = errors[0];
  const text =
    errors.length === 1 && first
      ? coded(`error.invalid-${what}.one`, { field: first.field, message: clause(first) })
      : coded(`error.invalid-${what}.many`, { count: errors.length });
  return new ValidationError(text, errors);
}
