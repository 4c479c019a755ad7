// dependentFields(): which WeCom member fields a change of some account fields can affect, from
// the attribute paths each expression reads — so an incremental sync can skip changes that no
// mapped field reads.
import type { PathSegment } from '../expression/index.js';
import type { CompiledMapping } from './compile.js';

/** WeCom member fields (and `$scope`: whether the account can enter or leave the scope), in this order. */
const MEMBER_WECOM_FIELDS = [
  '$scope', 'userid', 'name', 'alias', 'mobile', 'email', 'biz_mail', 'telephone', 'position', 'gender', 'enable',
  'address', 'external_position', 'extattr', 'to_invite', 'department', 'main_department', 'is_leader_in_dept',
  'direct_leader',
] as const;
type MemberWecomField = (typeof MEMBER_WECOM_FIELDS)[number];

/** Account field names (as the directory and its change feed spell them) → context paths. */
const ACCOUNT_FIELD_PATHS: Record<string, PathSegment[][]> = {
  id: [['id']],
  externalId: [['external_id']],
  username: [['username']],
  displayName: [['name'], ['display_name']],
  mobile: [['mobile']],
  email: [['email']],
  telephone: [['telephone']],
  title: [['title']],
  gender: [['gender']],
  employeeNumber: [['employee_number']],
  status: [['status']],
  attributes: [['attrs']],
  managerId: [['manager']],
  organizationIds: [['organizations'], ['primary_organization']],
  primaryOrganizationId: [['primary_organization'], ['organizations']],
};

const AFFILIATION: readonly MemberWecomField[] = ['department', 'main_department', 'is_leader_in_dept'];

/** Parses `attributes.cost_center`, `attrs.cost_center`, `organizations[0].name`, `manager.username` into segments. */
function toSegments(changed: string): PathSegment[][] {
  if (Object.hasOwn(ACCOUNT_FIELD_PATHS, changed)) return ACCOUNT_FIELD_PATHS[changed]!;
  const segs: PathSegment[] = [];
  for (const part of changed.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!m) {
      segs.push(part);
      continue;
    }
    if (m[1]) segs.push(m[1]);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) segs.push(Number(idx[1]));
  }
  if (segs[0] === 'attributes') segs[0] = 'attrs';
  const head = typeof segs[0] === 'string' ? ACCOUNT_FIELD_PATHS[segs[0]] : undefined;
  if (head && segs.length === 1) return head;
  return [segs];
}

/**
 * The WeCom member fields (and `$scope`) that a change of `changedAccountFields` can affect.
 * Names are account fields as the directory spells them (`displayName`, `attributes.cost_center`,
 * `managerId`, `organizationIds`) or expression context paths (`attrs.cost_center`,
 * `primary_organization.name`). [] means the change cannot alter this account's WeCom member.
 * When `userid` is in the answer, the direct_leader of the account's reports can change too.
 */
export function dependentFields(mapping: CompiledMapping, changedAccountFields: readonly string[]): MemberWecomField[] {
  const changed = changedAccountFields.flatMap(toSegments);
  const hit = new Set<MemberWecomField>();
  const reads = (fe: { expression: { dependsOn(s: readonly PathSegment[]): boolean } } | undefined): boolean =>
    fe !== undefined && changed.some((s) => fe.expression.dependsOn(s));
  const touches = (top: string): boolean => changed.some((s) => s[0] === top);

  const m = mapping.members;
  for (const f of ['userid', 'name', 'alias', 'mobile', 'email', 'biz_mail', 'telephone', 'position', 'gender', 'enable', 'address', 'external_position', 'to_invite'] as const)
    if (reads(m[f])) hit.add(f);
  // enable falls back to the status when its expression gives nothing.
  if (touches('status')) hit.add('enable');
  if (mapping.extattrs.some((a) => (a.type === 'text' ? reads(a.value) : reads(a.url) || reads(a.title)))) hit.add('extattr');
  if (touches('organizations') || touches('primary_organization')) for (const f of AFFILIATION) hit.add(f);
  if (reads(mapping.leader)) hit.add('is_leader_in_dept');
  if ((mapping.definition.affiliation.directLeader ?? 'manager') === 'manager' && touches('manager')) hit.add('direct_leader');
  const scope = mapping.definition.scope;
  if (reads(mapping.accountFilter) || (scope.includeDisabledAccounts === false && touches('status')) || touches('organizations') || touches('primary_organization'))
    hit.add('$scope');
  return MEMBER_WECOM_FIELDS.filter((f) => hit.has(f));
}

/** The same for organizations: which department fields (and `$scope`) a change can affect. */
export function dependentDepartmentFields(mapping: CompiledMapping, changedOrganizationFields: readonly string[]): Array<'$scope' | 'name' | 'name_en' | 'order' | 'parentid'> {
  const map: Record<string, PathSegment[][]> = {
    externalId: [['external_id']], name: [['name'], ['path']], code: [['code']], order: [['order']], status: [['status']],
    attributes: [['attrs']], parentId: [['parent'], ['path'], ['depth']],
  };
  const changed = changedOrganizationFields.flatMap((c) => map[c] ?? [c.replace(/^attributes\./, 'attrs.').split('.')]);
  const reads = (fe: { expression: { dependsOn(s: readonly PathSegment[]): boolean } } | undefined): boolean =>
    fe !== undefined && changed.some((s) => fe.expression.dependsOn(s));
  const out: Array<'$scope' | 'name' | 'name_en' | 'order' | 'parentid'> = [];
  if (reads(mapping.organizationFilter) || changedOrganizationFields.includes('parentId')) out.push('$scope');
  if (reads(mapping.departments.name)) out.push('name');
  if (reads(mapping.departments.name_en)) out.push('name_en');
  if (reads(mapping.departments.order)) out.push('order');
  if (changedOrganizationFields.includes('parentId')) out.push('parentid');
  return out;
}
