// From a SCIM User to the directory: the account fields (expressions of the mapping language over
// the user, with defaults), the organization path (department mode) and the manager reference.
// Pure. The expressions read the user as `userContext` presents it — SCIM's multi-valued
// attributes by type, the enterprise extension under `enterprise`:
//
//   userName, displayName, nickName, title, userType, locale, preferredLanguage, timezone,
//   externalId, active, name.{formatted, givenName, familyName, middleName, …},
//   emails.{primary, work, home, other}, phoneNumbers.{primary, mobile, work, home, fax, …},
//   addresses.{primary, work, home}.{formatted, streetAddress, locality, region, postalCode, country},
//   enterprise.{employeeNumber, department, division, organization, costCenter, manager}
//
// `primary` is the value marked primary, else the first. A value that fails to compute leaves
// its field empty; only userName and the display name are needed (400 invalidValue without).
import type { Attributes, AttributeValue } from '../../domain/common.js';
import { ORGANIZATION_LIMITS, PATH_SEPARATOR } from '../../domain/organization.js';
import { type CompiledExpression, ExpressionError, compile } from '../../mapping/expression/index.js';
import { invalidValue } from './errors.js';
import { type Json, isObject } from './resource.js';
import { ENTERPRISE_SCHEMA } from './schemas.js';
import { ACCOUNT_FIELD_NAMES, type ScimAccountField, type ScimSettings, effectiveFields } from './settings.js';

export interface MappedUser {
  fields: Record<ScimAccountField, string | null>;
  /** The custom attributes the endpoint maps (null: remove the attribute). */
  attributes: Record<string, AttributeValue>;
  active: boolean;
  externalId: string | null;
  /** Department mode: the organization path, top first; null when the user names none. */
  department: string[] | null;
  /** The enterprise manager's `value`, as sent. */
  managerRef: string | null;
}

/** Values of a multi-valued attribute by `type`, plus `primary` (the primary one, else the first). */
function byType(list: unknown, pick: (x: Json) => unknown = (x) => x.value): Json {
  const out: Json = {};
  if (!Array.isArray(list)) return out;
  const items = list.filter(isObject);
  const primary = items.find((x) => x.primary === true) ?? items[0];
  if (primary) out.primary = pick(primary);
  for (const x of items) if (typeof x.type === 'string' && !(x.type.toLowerCase() in out)) out[x.type.toLowerCase()] = pick(x);
  return out;
}

/** The user as the endpoint's expressions see it (see the header). */
function userContext(user: Json): Json {
  const ext = isObject(user[ENTERPRISE_SCHEMA]) ? (user[ENTERPRISE_SCHEMA] as Json) : {};
  const scalars: Json = {};
  for (const [k, v] of Object.entries(user)) if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) scalars[k] = v;
  const manager = isObject(ext.manager) ? ext.manager.value : ext.manager;
  return {
    ...scalars,
    name: isObject(user.name) ? user.name : {},
    emails: byType(user.emails),
    phoneNumbers: byType(user.phoneNumbers),
    ims: byType(user.ims),
    addresses: byType(user.addresses, (x) => x),
    enterprise: { ...Object.fromEntries(Object.entries(ext).filter(([k]) => k !== 'manager')), manager: manager ?? null },
  };
}

const text = (v: unknown): string | null => {
  if (v === null || v === undefined) return null;
  const s = (typeof v === 'string' ? v : String(v)).trim();
  return s === '' ? null : s;
};

/** An organization name from a path segment: the directory's rules (no "/", at most 64 characters). */
function organizationName(segment: string): string {
  return [...segment.replaceAll(PATH_SEPARATOR, '／').replace(/[\u0000-\u001f\u007f]/g, ' ').trim()].slice(0, ORGANIZATION_LIMITS.nameMaxChars).join('').trim();
}

/** A department value split into organization names (empty levels dropped). */
export function splitPath(value: string, separator: string): string[] {
  return value.split(separator).map(organizationName).filter((s) => s !== '');
}

/** An endpoint's expressions, compiled once per settings version. */
export class ScimMapping {
  private constructor(
    private readonly settings: ScimSettings,
    private readonly fields: Record<ScimAccountField, CompiledExpression>,
    private readonly attributes: Array<[string, CompiledExpression]>,
    private readonly department: CompiledExpression,
  ) {}

  /** Compiles the settings' expressions (checked when the settings were saved). */
  static compile(settings: ScimSettings): ScimMapping {
    const sources = effectiveFields(settings);
    const fields = Object.fromEntries(ACCOUNT_FIELD_NAMES.map((f) => [f, compile(sources[f])])) as Record<ScimAccountField, CompiledExpression>;
    return new ScimMapping(settings, fields, Object.entries(settings.attributes).map(([k, v]) => [k, compile(v)]), compile(settings.organizations.department));
  }

  mapUser(user: Json): MappedUser {
    const ctx = userContext(user);
    const run = (e: CompiledExpression): unknown => {
      try {
        return e.evaluate(ctx);
      } catch (err) {
        if (err instanceof ExpressionError) return null;
        throw err;
      }
    };
    const fields = Object.fromEntries(ACCOUNT_FIELD_NAMES.map((f) => [f, text(run(this.fields[f]))])) as Record<ScimAccountField, string | null>;
    if (fields.username === null) throw invalidValue('userName is required (the endpoint\'s username expression gave nothing)');
    if (fields.displayName === null) throw invalidValue('the user has no name to show: send displayName, name.formatted or name.givenName');
    const attributes: Attributes = {};
    for (const [k, e] of this.attributes) {
      const v = run(e);
      attributes[k] = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : null;
    }
    const dept = this.settings.organizations.mode === 'department' ? text(run(this.department)) : null;
    const department = dept === null ? null : splitPath(dept, this.settings.organizations.separator);
    return {
      fields,
      attributes,
      active: user.active !== false,
      externalId: text(user.externalId),
      department: department && department.length > 0 ? department : null,
      managerRef: text(ctx.enterprise && (ctx.enterprise as Json).manager),
    };
  }
}
