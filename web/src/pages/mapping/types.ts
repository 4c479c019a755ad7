// The fields of a mapping definition (src/mapping/definitions/types.ts) the editor shows, and the
// form's own shape of a definition. The API's shapes (the definition, the answers of
// /connections/:name/mapping and …/mapping/preview): ../../api/types.
import type { MappingDefinition } from '../../api/types';

export const DEPARTMENT_FIELDS = ['name', 'name_en', 'order', 'id'] as const satisfies readonly (keyof MappingDefinition['departments'])[];
export const MEMBER_FIELDS = [
  'userid', 'name', 'alias', 'mobile', 'email', 'biz_mail', 'telephone', 'position', 'gender', 'enable', 'address', 'external_position', 'to_invite',
] as const satisfies readonly (keyof MappingDefinition['members'])[];
export type DepartmentField = (typeof DEPARTMENT_FIELDS)[number];
export type MemberField = (typeof MEMBER_FIELDS)[number];
export const REQUIRED = new Set(['departments.name', 'members.userid', 'members.name']);

/** The form's values: every expression as a string ('' = not mapped), extattrs with all three value fields. */
export interface FormValues {
  departments: Record<DepartmentField, string>;
  members: Record<MemberField, string>;
  affiliation: { mode: MappingDefinition['affiliation']['mode']; leaderExpression: string; directLeader: NonNullable<MappingDefinition['affiliation']['directLeader']> };
  extattrs: { name: string; type: 'text' | 'web'; value: string; url: string; title: string }[];
  scope: { organizationRoots: string[]; organizationFilter: string; accountFilter: string; includeDisabledAccounts: boolean };
  matching: MappingDefinition['matching'];
}
