// A SCIM endpoint's settings: how the users and groups an identity provider sends become
// organizations and accounts. Plain data (a JSON column), defaults, and validation; the
// expressions are the mapping language's (src/mapping/expression), read over the SCIM user
// as ./mapping.ts presents it.
import type { FieldError } from '../../domain/common.js';
import { validate as validateExpression } from '../../mapping/expression/index.js';

/**
 * How SCIM becomes organizations:
 * - `department`: the enterprise `department` (or another expression) names the organization, a
 *   path such as `总部/研发中心/平台部` creating each level when missing;
 * - `groups`: each SCIM group is an organization and a user belongs to the organizations of its
 *   groups (nested by the separator in group names when `nestedGroups`);
 * - `fixed`: every user in the default organization.
 */
export type OrganizationMode = 'department' | 'groups' | 'fixed';
export const ORGANIZATION_MODES: readonly OrganizationMode[] = ['department', 'groups', 'fixed'];

/** The account fields a SCIM user maps to, each an expression over the user. */
export const ACCOUNT_FIELD_NAMES = ['username', 'displayName', 'mobile', 'email', 'telephone', 'title', 'employeeNumber'] as const;
export type ScimAccountField = (typeof ACCOUNT_FIELD_NAMES)[number];

export const DEFAULT_FIELDS: Readonly<Record<ScimAccountField, string>> = Object.freeze({
  username: 'userName',
  displayName: 'coalesce(name.formatted, displayName, trim(concat(name.givenName, " ", name.familyName)), userName)',
  mobile: 'phoneNumbers.mobile',
  email: 'emails.primary',
  telephone: 'phoneNumbers.work',
  title: 'title',
  employeeNumber: 'enterprise.employeeNumber',
});

const DEFAULT_DEPARTMENT = 'enterprise.department';

export interface OrganizationSettings {
  mode: OrganizationMode;
  /** The organizations the endpoint creates go under this one; null = at the top level. */
  parentId: string | null;
  /** `department` mode: the expression giving the organization path. */
  department: string;
  /** Separates the levels of a department path (and of a group name with `nestedGroups`). */
  separator: string;
  /** `groups` mode: a group name with the separator is a path of nested organizations. */
  nestedGroups: boolean;
}

export interface ScimSettings {
  /** Users without a department or group go here (every user in `fixed` mode). */
  defaultOrganizationId: string;
  organizations: OrganizationSettings;
  /** Expressions overriding DEFAULT_FIELDS. */
  fields: Partial<Record<ScimAccountField, string>>;
  /** Custom account attributes: name → expression over the SCIM user. */
  attributes: Record<string, string>;
}

export const DEFAULT_ORGANIZATIONS: Readonly<OrganizationSettings> = Object.freeze({
  mode: 'department',
  parentId: null,
  department: DEFAULT_DEPARTMENT,
  separator: '/',
  nestedGroups: false,
});

/** Endpoint names: lower-case letters, digits and `-`, as they appear in the endpoint's path. */
export const ENDPOINT_NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

/** The field expressions in force: the defaults with the endpoint's overrides. */
export function effectiveFields(settings: ScimSettings): Record<ScimAccountField, string> {
  return { ...DEFAULT_FIELDS, ...settings.fields };
}

/** Stateless checks: expressions compile, the separator is usable, names are sane. */
export function checkSettings(s: ScimSettings): FieldError[] {
  const errors: FieldError[] = [];
  const expression = (field: string, source: string): void => {
    const err = validateExpression(source);
    if (err) errors.push({ field, message: err.format() });
  };
  for (const [k, v] of Object.entries(s.fields)) {
    if (!(ACCOUNT_FIELD_NAMES as readonly string[]).includes(k)) errors.push({ field: `fields.${k}`, message: `is not an account field (${ACCOUNT_FIELD_NAMES.join(', ')})` });
    else if (v !== undefined) expression(`fields.${k}`, v);
  }
  for (const [k, v] of Object.entries(s.attributes)) {
    if (k.trim() === '' || k.length > 64) errors.push({ field: `attributes.${k}`, message: 'attribute names must be 1–64 characters' });
    else expression(`attributes.${k}`, v);
  }
  expression('organizations.department', s.organizations.department);
  if (s.organizations.separator.length < 1 || s.organizations.separator.length > 8 || s.organizations.separator.trim() === '')
    errors.push({ field: 'organizations.separator', message: 'must be 1–8 characters, not only white space' });
  return errors;
}
