// The SCIM schemas this endpoint serves (RFC 7643): core User with the enterprise extension, and
// Group. One table read three ways: /Schemas and /ResourceTypes show it, incoming resources and
// PATCH paths are matched against it case-insensitively (attribute names are case-insensitive),
// and filters compare strings case-exactly only where it says so.

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const SERVICE_PROVIDER_CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
export const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
export const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

type AttrType = 'string' | 'boolean' | 'complex' | 'reference' | 'dateTime' | 'integer' | 'decimal' | 'binary';

export interface Attr {
  name: string;
  type: AttrType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly';
  returned: 'always' | 'never' | 'default' | 'request';
  uniqueness: 'none' | 'server' | 'global';
  subAttributes?: Attr[];
  referenceTypes?: string[];
  canonicalValues?: string[];
}

type AttrOptions = Partial<Omit<Attr, 'name' | 'type' | 'description'>>;

const attr = (name: string, type: AttrType, description: string, o: AttrOptions = {}): Attr => ({
  name, type, description, multiValued: false, required: false, caseExact: false, mutability: 'readWrite', returned: 'default', uniqueness: 'none', ...o,
});
const text = (name: string, description: string, o: AttrOptions = {}): Attr => attr(name, 'string', description, o);
const complex = (name: string, description: string, subAttributes: Attr[], o: AttrOptions = {}): Attr => attr(name, 'complex', description, { subAttributes, ...o });
/** A multi-valued complex attribute with the standard value, display, type and primary. */
const multi = (name: string, description: string, types: string[], extra: Attr[] = [], o: AttrOptions = {}): Attr =>
  complex(name, description, [
    text('value', `The ${name} value`),
    text('display', 'A human-readable name', { mutability: 'readOnly' }),
    text('type', 'A label of the value\'s function', { canonicalValues: types }),
    attr('primary', 'boolean', 'The primary value of this attribute'),
    ...extra,
  ], { multiValued: true, ...o });

const addressParts = ['formatted', 'streetAddress', 'locality', 'region', 'postalCode', 'country'].map((n) => text(n, `The ${n} part of the address`));

export const USER_ATTRIBUTES: Attr[] = [
  text('userName', 'Unique identifier of the user, typically what they sign in with', { required: true, uniqueness: 'server' }),
  complex('name', 'The components of the user\'s name', ['formatted', 'familyName', 'givenName', 'middleName', 'honorificPrefix', 'honorificSuffix'].map((n) => text(n, `The ${n} part of the name`))),
  text('displayName', 'The name of the user, suitable for display'),
  text('nickName', 'The casual way to address the user'),
  attr('profileUrl', 'reference', 'A URL of the user\'s online profile', { referenceTypes: ['external'] }),
  text('title', 'The user\'s title, such as "Vice President"'),
  text('userType', 'The relationship between the organization and the user'),
  text('preferredLanguage', 'The user\'s preferred written or spoken language'),
  text('locale', 'The user\'s default location for localization'),
  text('timezone', 'The user\'s time zone, in the IANA format'),
  attr('active', 'boolean', 'The user\'s administrative status'),
  text('password', 'Not stored: a password an identity provider sends is ignored', { mutability: 'writeOnly', returned: 'never' }),
  multi('emails', 'E-mail addresses', ['work', 'home', 'other']),
  multi('phoneNumbers', 'Phone numbers', ['work', 'home', 'mobile', 'fax', 'pager', 'other']),
  multi('ims', 'Instant messaging addresses', ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo']),
  multi('photos', 'URLs of images of the user', ['photo', 'thumbnail']),
  complex('addresses', 'Physical mailing addresses', [...addressParts, text('type', 'work, home or other', { canonicalValues: ['work', 'home', 'other'] }), attr('primary', 'boolean', 'The primary address')], { multiValued: true }),
  multi('groups', 'The groups the user belongs to (read-only: change a group\'s members)', ['direct', 'indirect'], [attr('$ref', 'reference', 'The URI of the group', { referenceTypes: ['Group'] })], { mutability: 'readOnly' }),
  multi('entitlements', 'Entitlements of the user', []),
  multi('roles', 'Roles of the user', []),
  multi('x509Certificates', 'Certificates of the user', []),
];

export const ENTERPRISE_ATTRIBUTES: Attr[] = [
  text('employeeNumber', 'A numeric or alphanumeric identifier assigned to the person'),
  text('costCenter', 'The cost center'),
  text('organization', 'The organization'),
  text('division', 'The division'),
  text('department', 'The department; a path such as 总部/研发中心 names nested organizations'),
  complex('manager', 'The user\'s manager', [
    text('value', 'The id of the manager\'s SCIM user'),
    attr('$ref', 'reference', 'The URI of the manager', { referenceTypes: ['User'] }),
    text('displayName', 'The manager\'s display name', { mutability: 'readOnly' }),
  ]),
];

export const GROUP_ATTRIBUTES: Attr[] = [
  text('displayName', 'A human-readable name for the group', { required: true }),
  complex('members', 'The members of the group', [
    text('value', 'The id of a member user', { mutability: 'immutable' }),
    attr('$ref', 'reference', 'The URI of the member', { referenceTypes: ['User'], mutability: 'immutable' }),
    text('display', 'The member\'s display name', { mutability: 'readOnly' }),
    text('type', 'User', { canonicalValues: ['User'], mutability: 'immutable' }),
  ], { multiValued: true }),
];

/** Attributes every resource has (RFC 7643 §3.1). */
const COMMON_ATTRIBUTES: Attr[] = [
  text('id', 'The service provider\'s identifier of the resource', { caseExact: true, mutability: 'readOnly', returned: 'always', uniqueness: 'server' }),
  text('externalId', 'The identity provider\'s identifier of the resource', { caseExact: true }),
  complex('meta', 'Resource metadata', [
    text('resourceType', 'User or Group', { caseExact: true, mutability: 'readOnly' }),
    attr('created', 'dateTime', 'When the resource was created', { mutability: 'readOnly' }),
    attr('lastModified', 'dateTime', 'When the resource was last changed', { mutability: 'readOnly' }),
    attr('location', 'reference', 'The URI of the resource', { mutability: 'readOnly' }),
    text('version', 'The resource\'s version (ETag)', { caseExact: true, mutability: 'readOnly' }),
  ], { mutability: 'readOnly' }),
];

type ResourceKind = 'User' | 'Group';

/** A resource type: its core schema's attributes and the extensions it carries. */
export interface ResourceShape {
  kind: ResourceKind;
  schema: string;
  attributes: Attr[];
  extensions: Array<{ schema: string; attributes: Attr[] }>;
}

export const USER_SHAPE: ResourceShape = { kind: 'User', schema: USER_SCHEMA, attributes: [...COMMON_ATTRIBUTES, ...USER_ATTRIBUTES], extensions: [{ schema: ENTERPRISE_SCHEMA, attributes: ENTERPRISE_ATTRIBUTES }] };
export const GROUP_SHAPE: ResourceShape = { kind: 'Group', schema: GROUP_SCHEMA, attributes: [...COMMON_ATTRIBUTES, ...GROUP_ATTRIBUTES], extensions: [] };

const byName = (attrs: readonly Attr[], name: string): Attr | undefined => {
  const key = name.toLowerCase();
  return attrs.find((a) => a.name.toLowerCase() === key);
};

/** The attribute a path names: [attribute, sub-attribute?] within a schema (core when `schema` is absent). */
export function findAttribute(shape: ResourceShape, schema: string | null, name: string, sub?: string): { attr: Attr; subAttr?: Attr } | undefined {
  const attrs = schema === null || schema.toLowerCase() === shape.schema.toLowerCase() ? shape.attributes : shape.extensions.find((e) => e.schema.toLowerCase() === schema.toLowerCase())?.attributes;
  const a = attrs && byName(attrs, name);
  if (!a) return undefined;
  if (sub === undefined) return { attr: a };
  const s = byName(a.subAttributes ?? [], sub);
  return s ? { attr: a, subAttr: s } : undefined;
}

/** The extension schema URN a key names (any case), or undefined. */
export function extensionSchema(shape: ResourceShape, key: string): string | undefined {
  return shape.extensions.find((e) => e.schema.toLowerCase() === key.toLowerCase())?.schema;
}

/** Splits `urn:…:User:attr.sub` into its schema URN and the rest; a path without one has schema null. */
export function splitSchema(shape: ResourceShape, path: string): { schema: string | null; rest: string } {
  const lower = path.toLowerCase();
  for (const s of [shape.schema, ...shape.extensions.map((e) => e.schema)])
    if (lower.startsWith(s.toLowerCase() + ':')) return { schema: s, rest: path.slice(s.length + 1) };
  if (lower.startsWith('urn:')) {
    const head = path.split('[')[0]!;
    const at = head.lastIndexOf(':');
    return { schema: path.slice(0, at), rest: path.slice(at + 1) };
  }
  return { schema: null, rest: path };
}

/** The canonical spelling of a key of a resource (or of one of its complex attributes). */
export function canonicalName(attrs: readonly Attr[] | undefined, key: string): string {
  return (attrs && byName(attrs, key)?.name) ?? key;
}
