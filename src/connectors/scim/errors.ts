// SCIM errors (RFC 7644 §3.12): an HTTP status, an optional scimType, a detail. They are AppErrors,
// so the rest of the service treats them like any other; the SCIM mount (src/server/scim.ts)
// sends every error of its routes in the SCIM Error schema, directory errors included.
import { AppError } from '../../domain/errors.js';

type ScimType = 'invalidFilter' | 'tooMany' | 'uniqueness' | 'mutability' | 'invalidSyntax' | 'invalidPath' | 'noTarget' | 'invalidValue' | 'invalidVers';

export class ScimError extends AppError {
  override readonly name = 'ScimError';
  constructor(
    status: number,
    detail: string,
    readonly scimType?: ScimType,
  ) {
    super(scimType ? `scim-${scimType}` : `scim-${status}`, status, detail);
  }
}

export const invalidValue = (detail: string): ScimError => new ScimError(400, detail, 'invalidValue');
export const invalidSyntax = (detail: string): ScimError => new ScimError(400, detail, 'invalidSyntax');
export const notFound = (detail: string): ScimError => new ScimError(404, detail);
