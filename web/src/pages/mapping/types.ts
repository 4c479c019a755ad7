// The mapping definition (src/mapping/definitions/types.ts) and the answers of
// /connections/:name/mapping and …/mapping/preview, with the form's own shape of a definition.

export const DEPARTMENT_FIELDS = ['name', 'name_en', 'order', 'id'] as const;
export const MEMBER_FIELDS = [
  'userid', 'name', 'alias', 'mobile', 'email', 'biz_mail', 'telephone', 'position', 'gender', 'enable', 'address', 'external_position', 'to_invite',
] as const;
export type DepartmentField = (typeof DEPARTMENT_FIELDS)[number];
export type MemberField = (typeof MEMBER_FIELDS)[number];
export const REQUIRED = new Set(['departments.name', 'members.userid', 'members.name']);

export type ExtAttrDefinition = { name: string; type: 'text'; value: string } | { name: string; type: 'web'; url: string; title: string };

export interface MappingDefinition {
  version: 1;
  departments: Partial<Record<DepartmentField, string>>;
  members: Partial<Record<MemberField, string>>;
  affiliation: { mode: 'all-organizations' | 'primary-only'; leaderExpression?: string; directLeader?: 'manager' | 'none' };
  extattrs: ExtAttrDefinition[];
  scope: { organizationRoots?: string[]; organizationFilter?: string; accountFilter?: string; includeDisabledAccounts?: boolean };
  matching: { members: ('userid' | 'mobile' | 'email')[]; departments: 'id' | 'name-path' | 'none' };
}

export interface MappingAnswer {
  definition: MappingDefinition;
  isDefault: boolean;
  version: number;
}

export type Scalar = string | number | boolean | null;
export interface FieldPreview {
  source: string;
  value?: Scalar;
  raw?: Scalar;
  absent?: true;
  error?: { code: string; message: string; position?: { offset: number; line: number; column: number }; pointer?: string };
}
export interface PreviewAnswer {
  fields: Record<string, FieldPreview>;
  member: object | null;
  inScope: boolean;
  problems: { field: string; message: string; effect: string; code?: string }[];
  context: object;
}

export interface AccountItem {
  id: string;
  username: string;
  displayName: string;
}

/** The form's values: every expression as a string ('' = not mapped), extattrs with all three value fields. */
export interface FormValues {
  departments: Record<DepartmentField, string>;
  members: Record<MemberField, string>;
  affiliation: { mode: 'all-organizations' | 'primary-only'; leaderExpression: string; directLeader: 'manager' | 'none' };
  extattrs: { name: string; type: 'text' | 'web'; value: string; url: string; title: string }[];
  scope: { organizationRoots: string[]; organizationFilter: string; accountFilter: string; includeDisabledAccounts: boolean };
  matching: MappingDefinition['matching'];
}
