// The account drawer's form values, and the diff against the stored account → the PATCH body
// (empty texts become null; organizations and the primary one are sent together).
import type { Account, Gender, RequestBody, Status } from '../../api/types';

export interface EditValues {
  displayName: string;
  mobile: string;
  email: string;
  telephone: string;
  title: string;
  gender: Gender;
  employeeNumber: string;
  externalId: string;
  status: Status;
  organizationIds: string[];
  primaryOrganizationId: string;
}

const TEXT_FIELDS = ['mobile', 'email', 'telephone', 'title', 'employeeNumber', 'externalId'] as const;

/** The fields the drawer's form has, by their names in 422 errors. */
export const EDIT_FIELDS = new Set(['displayName', 'organizationIds', 'primaryOrganizationId', 'gender', 'status', ...TEXT_FIELDS]);

export const toEditValues = (account: Account): EditValues => ({
  displayName: account.displayName,
  mobile: account.mobile ?? '',
  email: account.email ?? '',
  telephone: account.telephone ?? '',
  title: account.title ?? '',
  gender: account.gender,
  employeeNumber: account.employeeNumber ?? '',
  externalId: account.externalId ?? '',
  status: account.status,
  organizationIds: account.organizationIds,
  primaryOrganizationId: account.primaryOrganizationId,
});

/** The fields that differ from `account`; an empty body when nothing changed. */
export function accountPatchBody(v: EditValues, account: Account): RequestBody<'/accounts/{id}', 'patch'> {
  const body: RequestBody<'/accounts/{id}', 'patch'> = {};
  if (v.displayName.trim() !== account.displayName) body.displayName = v.displayName.trim();
  for (const f of TEXT_FIELDS) {
    const nv = (v[f] ?? '').trim() || null;
    if (nv !== account[f]) body[f] = nv;
  }
  if (v.gender !== account.gender) body.gender = v.gender;
  if (v.status !== account.status) body.status = v.status;
  const orgsChanged = v.organizationIds.length !== account.organizationIds.length || v.organizationIds.some((id) => !account.organizationIds.includes(id));
  if (orgsChanged) body.organizationIds = v.organizationIds;
  if (v.primaryOrganizationId !== account.primaryOrganizationId || orgsChanged) body.primaryOrganizationId = v.primaryOrganizationId;
  return body;
}

/** The form values of a new account in `organizationId` (when one is selected). */
export const newEditValues = (organizationId: string | null): EditValues => ({
  displayName: '',
  mobile: '',
  email: '',
  telephone: '',
  title: '',
  gender: 'unspecified',
  employeeNumber: '',
  externalId: '',
  status: 'enabled',
  organizationIds: organizationId ? [organizationId] : [],
  primaryOrganizationId: organizationId ?? '',
});

/** The POST body of a new account: the username and every field filled in (empty texts left out). */
export function accountCreateBody(username: string, v: EditValues): RequestBody<'/accounts', 'post'> {
  const body: RequestBody<'/accounts', 'post'> = {
    username: username.trim(),
    displayName: v.displayName.trim(),
    organizationIds: v.organizationIds,
    primaryOrganizationId: v.primaryOrganizationId,
    gender: v.gender,
    status: v.status,
  };
  for (const f of TEXT_FIELDS) {
    const nv = (v[f] ?? '').trim();
    if (nv) body[f] = nv;
  }
  return body;
}
