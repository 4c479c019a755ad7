// The discovery resources (RFC 7643 §5–7): what this endpoint supports, its resource types and
// schemas, all from ./schemas.ts.
import { type Attr, ENTERPRISE_ATTRIBUTES, ENTERPRISE_SCHEMA, GROUP_ATTRIBUTES, GROUP_SCHEMA, RESOURCE_TYPE_SCHEMA, SCHEMA_SCHEMA, SERVICE_PROVIDER_CONFIG_SCHEMA, USER_ATTRIBUTES, USER_SCHEMA } from './schemas.js';

export const MAX_RESULTS = 1000;

export function serviceProviderConfig(base: string): Record<string, unknown> {
  return {
    schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: true },
    authenticationSchemes: [
      { type: 'oauthbearertoken', name: 'Bearer token', description: 'A token of this SCIM endpoint (wsc_…), issued in the wecom-sync console, API or CLI; sent as Authorization: Bearer', primary: true },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}

export function resourceTypes(base: string): Array<Record<string, unknown>> {
  return [
    { schemas: [RESOURCE_TYPE_SCHEMA], id: 'User', name: 'User', endpoint: '/Users', description: 'User Account', schema: USER_SCHEMA, schemaExtensions: [{ schema: ENTERPRISE_SCHEMA, required: false }], meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/User` } },
    { schemas: [RESOURCE_TYPE_SCHEMA], id: 'Group', name: 'Group', endpoint: '/Groups', description: 'Group', schema: GROUP_SCHEMA, meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/Group` } },
  ];
}

/** An attribute as /Schemas shows it: no empty lists. */
function show(a: Attr): Record<string, unknown> {
  const { subAttributes, referenceTypes, canonicalValues, ...rest } = a;
  return {
    ...rest,
    ...(subAttributes ? { subAttributes: subAttributes.map(show) } : {}),
    ...(referenceTypes?.length ? { referenceTypes } : {}),
    ...(canonicalValues?.length ? { canonicalValues } : {}),
  };
}

export function schemas(base: string): Array<Record<string, unknown>> {
  const one = (id: string, name: string, description: string, attrs: Attr[]) => ({
    schemas: [SCHEMA_SCHEMA], id, name, description, attributes: attrs.map(show), meta: { resourceType: 'Schema', location: `${base}/Schemas/${id}` },
  });
  return [
    one(USER_SCHEMA, 'User', 'User Account', USER_ATTRIBUTES),
    one(ENTERPRISE_SCHEMA, 'EnterpriseUser', 'Enterprise User', ENTERPRISE_ATTRIBUTES),
    one(GROUP_SCHEMA, 'Group', 'Group', GROUP_ATTRIBUTES),
  ];
}
