// Organizations: the directory's tree. Plain types and stateless rules only; rules that need the
// rest of the tree (unknown parent, cycles, duplicate sibling names) live in the directory service.
import { type Attributes, type FieldError, type Status, CONTROL_CHARS, charLength, fieldError } from './common.js';
import { type FieldSpecs, changedFields, fieldNames, integer, jsonAttributes, text } from './fields.js';

export interface Organization {
  /** Stable directory id, `org_` + a time-sortable suffix. */
  id: string;
  /** Id of this organization in the upstream source (HR system, IdP); unique when set. */
  externalId: string | null;
  name: string;
  /** null for a root organization. */
  parentId: string | null;
  /** Sort order among siblings, smaller first (0..2^32-1); the default mapping turns it into WeCom's larger-first order (wecom_order). */
  order: number;
  code: string | null;
  status: Status;
  attributes: Attributes;
  /** Starts at 1, bumped by every write that changes the organization. */
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** The fields a caller may set. */
export interface OrganizationFields {
  externalId: string | null;
  name: string;
  parentId: string | null;
  order: number;
  code: string | null;
  status: Status;
  attributes: Attributes;
}

export type OrganizationCreate = Pick<OrganizationFields, 'name'> & Partial<Omit<OrganizationFields, 'name'>>;
export type OrganizationPatch = Partial<OrganizationFields>;

/** Where each organization field is stored and how it converts; the order is the change feed's. */
export const ORGANIZATION_FIELD_SPECS = {
  externalId: text('external_id'),
  name: text('name'),
  parentId: text('parent_id'),
  order: integer('sort_order'),
  code: text('code'),
  status: text('status'),
  attributes: jsonAttributes('attributes'),
} satisfies FieldSpecs<OrganizationFields>;

/** The organization fields a caller may set: the names its change-feed entries list. */
export const ORGANIZATION_FIELDS = fieldNames(ORGANIZATION_FIELD_SPECS);

/** The names of the fields that differ between an organization and new field values. */
export const diffOrganization = (before: Organization, after: OrganizationFields): string[] =>
  changedFields(ORGANIZATION_FIELD_SPECS, before, after);

export const ORGANIZATION_LIMITS = { nameMaxChars: 64, codeMaxChars: 64, externalIdMaxChars: 128, orderMax: 2 ** 32 - 1 } as const;

/** Path separator used by import files (`总公司/销售部/华东区`); therefore not allowed in names. */
export const PATH_SEPARATOR = '/';

export function checkOrganizationName(name: unknown, field = 'name'): FieldError | null {
  if (typeof name !== 'string') return fieldError(field, 'invalid.not-string');
  if (name.trim() === '') return fieldError(field, 'invalid.empty');
  if (name !== name.trim()) return fieldError(field, 'invalid.whitespace-ends');
  if (charLength(name) > ORGANIZATION_LIMITS.nameMaxChars) return fieldError(field, 'invalid.too-long', { max: ORGANIZATION_LIMITS.nameMaxChars });
  if (name.includes(PATH_SEPARATOR)) return fieldError(field, 'invalid.path-separator', { separator: PATH_SEPARATOR });
  if (CONTROL_CHARS.test(name)) return fieldError(field, 'invalid.control-chars');
  return null;
}

/** Stateless checks of a full set of organization fields. */
export function checkOrganizationFields(f: Partial<OrganizationFields>): FieldError[] {
  const errors: FieldError[] = [];
  if (f.name !== undefined) {
    const bad = checkOrganizationName(f.name);
    if (bad) errors.push(bad);
  }
  if (f.order !== undefined && !(Number.isInteger(f.order) && f.order >= 0 && f.order <= ORGANIZATION_LIMITS.orderMax))
    errors.push(fieldError('order', 'invalid.integer-range', { min: 0, max: ORGANIZATION_LIMITS.orderMax }));
  if (f.code != null && (f.code.trim() === '' || charLength(f.code) > ORGANIZATION_LIMITS.codeMaxChars))
    errors.push(fieldError('code', 'invalid.length-range', { min: 1, max: ORGANIZATION_LIMITS.codeMaxChars }));
  if (f.externalId != null && (f.externalId.trim() === '' || charLength(f.externalId) > ORGANIZATION_LIMITS.externalIdMaxChars))
    errors.push(fieldError('externalId', 'invalid.length-range', { min: 1, max: ORGANIZATION_LIMITS.externalIdMaxChars }));
  return errors;
}
