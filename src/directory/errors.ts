// Errors of the directory, with stable codes the HTTP layer maps to problem+json and the CLI
// prints. Messages name the objects involved (name and id) so an admin can act on them.
import type { FieldError } from '../domain/common.js';

export type DirectoryErrorCode = 'validation' | 'not_found' | 'conflict';

export class DirectoryError extends Error {
  constructor(
    readonly code: DirectoryErrorCode,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
    this.name = 'DirectoryError';
  }
}

/** Input that breaks a rule: bad formats, unknown parent, cycles. */
export class ValidationError extends DirectoryError {
  constructor(message: string, errors: FieldError[] = []) {
    super('validation', message, errors);
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends DirectoryError {
  constructor(message: string) {
    super('not_found', message);
    this.name = 'NotFoundError';
  }
}

/** Clashes with another object: duplicate username, sibling name or external id, stale version, still in use. */
export class ConflictError extends DirectoryError {
  constructor(message: string, errors: FieldError[] = []) {
    super('conflict', message, errors);
    this.name = 'ConflictError';
  }
}

export function validationFrom(errors: FieldError[], what: string): ValidationError {
  const first = errors[0];
  const summary = errors.length === 1 && first ? `${first.field} ${first.message}` : `${errors.length} fields are invalid`;
  return new ValidationError(`invalid ${what}: ${summary}`, errors);
}

/** Unique-constraint violations from either backend. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || e?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
