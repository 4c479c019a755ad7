// The API's shapes as the console names them: aliases of the types generated from the server's
// OpenAPI document (./schema.d.ts). Don't copy a shape by hand: name it on the server (zod
// `.meta({ id })` in src/server/routes) and regenerate with `npm run gen:api`.
import type { components, paths } from './schema';

/** The /api/v1 paths without their prefix (the client's base URL). */
export type ApiPaths = { [P in keyof paths as P extends `/api/v1${infer Rest}` ? Rest : never]: paths[P] };

type Schemas = components['schemas'];
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
/** The JSON body a route takes. */
export type RequestBody<P extends keyof ApiPaths, M extends Method> = ApiPaths[P][M] extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
/** The query parameters a route takes. */
export type Query<P extends keyof ApiPaths, M extends Method = 'get'> = ApiPaths[P][M] extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

export type FieldError = Schemas['Problem']['errors'][number];
export type Explanation = Schemas['Explanation'];
export type Me = Schemas['Me'];
export type AuditEntry = Schemas['AuditEntry'];

// users and API tokens
export type User = Schemas['User'];
export type ApiToken = Schemas['Token'];
export type TokenCreated = Schemas['TokenCreated'];

// connections and the demo
export type Connection = Schemas['Connection'];
export type TestResult = Schemas['ConnectionTestResult'];
export type CheckStatus = TestResult['checks'][number]['status'];
export type DemoStatus = Schemas['DemoStatus'];

// the directory
export type Organization = Schemas['Organization'];
export type Account = Schemas['Account'];
export type Status = Account['status'];
export type Gender = Account['gender'];

// plans and runs
export type PlanOperation = Schemas['PlanOperation'];
export type FieldChange = Schemas['FieldChange'];
export type Warning = Schemas['Warning'];
export type Run = Schemas['Run'];
export type RunStatus = Schemas['RunStatus'];
export type RunDetail = Schemas['RunDetail'];
export type RunOperation = Schemas['RunOperation'];
export type OpStatus = Schemas['OperationStatus'];
export type SyncStatus = Schemas['SyncStatus'];
export type SyncFailure = Schemas['SyncFailure'];

// per-object sync status
export type ObjectStatus = Schemas['ObjectStatus'];
export type ObjectStatusItem = Schemas['ObjectStatusItem'];
export type Orphans = Schemas['Orphans'];
export type OrphanMember = Schemas['OrphanMember'];
export type OrphanDepartment = Schemas['OrphanDepartment'];
export type ObjectOperation = Schemas['ObjectOperation'];
export type ObjectType = ObjectStatus['type'];
export type VerdictStatus = ObjectStatus['verdict']['status'];

// the mapping
export type Mapping = Schemas['Mapping'];
export type MappingDefinition = Schemas['MappingDefinition'];
export type MappingPreview = Schemas['MappingPreview'];
export type FieldPreview = Schemas['FieldPreview'];

// SCIM endpoints (identity providers feeding the directory)
export type ScimEndpoint = Schemas['ScimEndpoint'];
export type ScimEndpointSummary = Schemas['ScimEndpointSummary'];
export type ScimToken = Schemas['ScimToken'];
export type ScimMode = ScimEndpoint['settings']['organizations']['mode'];

// directory sources (LDAP / Active Directory)
export type Source = Schemas['Source'];
export type SourcePull = Schemas['SourcePull'];
export type SourcePullResult = Schemas['SourcePullResult'];
export type SourceTest = Schemas['SourceTest'];
