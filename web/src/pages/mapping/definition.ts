// Definition ⇄ form values. The form holds every expression as a string; the definition sent to
// the service leaves out the optional ones left empty.
import type { MappingDefinition } from '../../api/types';
import { DEPARTMENT_FIELDS, type DepartmentField, type FormValues, MEMBER_FIELDS, type MemberField, REQUIRED } from './types';

export function toForm(d: MappingDefinition): FormValues {
  return {
    departments: Object.fromEntries(DEPARTMENT_FIELDS.map((f) => [f, d.departments?.[f] ?? ''])) as Record<DepartmentField, string>,
    members: Object.fromEntries(MEMBER_FIELDS.map((f) => [f, d.members?.[f] ?? ''])) as Record<MemberField, string>,
    affiliation: {
      mode: d.affiliation?.mode ?? 'all-organizations',
      leaderExpression: d.affiliation?.leaderExpression ?? '',
      directLeader: d.affiliation?.directLeader ?? 'manager',
    },
    extattrs: (d.extattrs ?? []).map((a) =>
      a.type === 'web' ? { name: a.name, type: 'web', value: '', url: a.url, title: a.title } : { name: a.name, type: 'text', value: a.value, url: '', title: '' },
    ),
    scope: {
      organizationRoots: d.scope?.organizationRoots ?? [],
      organizationFilter: d.scope?.organizationFilter ?? '',
      accountFilter: d.scope?.accountFilter ?? '',
      includeDisabledAccounts: d.scope?.includeDisabledAccounts ?? true,
    },
    matching: { members: d.matching?.members ?? ['userid', 'mobile', 'email'], departments: d.matching?.departments ?? 'name-path' },
  };
}

const blank = (s: string | undefined | null): boolean => (s ?? '').trim() === '';

/** The definition as typed: optional expressions left empty are left out; required ones are sent as typed (the server says what is wrong). */
export function fromForm(v: FormValues): MappingDefinition {
  const exprs = <F extends string>(group: string, fields: readonly F[], values: Record<F, string> | undefined): Partial<Record<F, string>> => {
    const out: Partial<Record<F, string>> = {};
    for (const f of fields) {
      const s = values?.[f] ?? '';
      if (!blank(s) || REQUIRED.has(`${group}.${f}`)) out[f] = s;
    }
    return out;
  };
  const scope: MappingDefinition['scope'] = {};
  if (v.scope?.organizationRoots?.length) scope.organizationRoots = v.scope.organizationRoots;
  if (!blank(v.scope?.organizationFilter)) scope.organizationFilter = v.scope.organizationFilter;
  if (!blank(v.scope?.accountFilter)) scope.accountFilter = v.scope.accountFilter;
  scope.includeDisabledAccounts = v.scope?.includeDisabledAccounts ?? true;
  return {
    version: 1,
    // the required fields (REQUIRED, kept by exprs as typed) first, as the definition lists them
    departments: { name: v.departments?.name ?? '', ...exprs('departments', DEPARTMENT_FIELDS, v.departments) },
    members: { userid: v.members?.userid ?? '', name: v.members?.name ?? '', ...exprs('members', MEMBER_FIELDS, v.members) },
    affiliation: {
      mode: v.affiliation?.mode ?? 'all-organizations',
      ...(!blank(v.affiliation?.leaderExpression) ? { leaderExpression: v.affiliation.leaderExpression } : {}),
      directLeader: v.affiliation?.directLeader ?? 'manager',
    },
    extattrs: (v.extattrs ?? []).map((a) =>
      a?.type === 'web' ? { name: a.name ?? '', type: 'web', url: a.url ?? '', title: a.title ?? '' } : { name: a?.name ?? '', type: 'text', value: a?.value ?? '' },
    ),
    scope,
    matching: { members: v.matching?.members ?? [], departments: v.matching?.departments ?? 'name-path' },
  };
}
