// previewAccount(): every field of one account's member as the mapping computes it, with the
// value or the error (and its position in the expression) — for the console's live preview.
import type { Account } from '../../domain/account.js';
import type { DesiredMember } from '../../domain/desired.js';
import type { Organization } from '../../domain/organization.js';
import { type Context, ExpressionError, type Value } from '../expression/index.js';
import type { CompiledMapping } from './compile.js';
import { accountBaseContext, accountContext, accountOrganizationIds, canonical, indexOrganizations, withOrganization } from './context.js';
import type { FieldExpression } from './field-expression.js';
import { type MappingSettings, mapDirectory } from './map.js';
import type { MappingProblem } from './types.js';
import { ABSENT, type Coerced, TypeProblem, asBoolean, asCondition, asEnable, asGender, asText, asUserid } from './values.js';

type FieldPreview =
  | { source: string; value: Value; raw: Value }
  /** The expression gave nothing (null or ""): the field is absent. */
  | { source: string; absent: true; raw: Value }
  | { source: string; error: { code: string; message: string; position?: { offset: number; line: number; column: number }; pointer?: string } };

interface AccountPreview {
  /** Field path in the definition (`members.mobile`, `extattrs[0].value`) → result. */
  fields: Record<string, FieldPreview>;
  /** The context the expressions saw. */
  context: Context;
  /** The member as mapDirectory would produce it, or null when out of scope or held. */
  member: DesiredMember | null;
  inScope: boolean;
  problems: MappingProblem[];
}

interface PreviewContext {
  /** The directory's organizations (all of them, for paths and scope). */
  organizations: readonly Organization[];
  /** Other accounts the preview may need: the manager (for manager.* and direct_leader). */
  accounts?: readonly Account[];
  settings?: MappingSettings;
}

function preview<T>(fe: FieldExpression, ctx: Context, coerce: (v: Value) => Coerced<T>): FieldPreview {
  let raw: Value;
  try {
    raw = fe.run(ctx);
  } catch (e) {
    if (!(e instanceof ExpressionError)) throw e;
    return { source: fe.source, error: { code: e.code, message: e.message, position: { ...e.position }, pointer: e.pointer() } };
  }
  const c = coerce(raw);
  if (c instanceof TypeProblem) return { source: fe.source, error: { code: 'E_FIELD_TYPE', message: c.message } };
  if (c === ABSENT) return { source: fe.source, absent: true, raw };
  return { source: fe.source, value: c as Value, raw };
}

export function previewAccount(mapping: CompiledMapping, account: Account, context: PreviewContext): AccountPreview {
  const nodes = indexOrganizations(canonical(context.organizations).items);
  const others = (context.accounts ?? []).filter((a) => a.id !== account.id);
  const manager = account.managerId ? others.find((a) => a.id === account.managerId) : undefined;
  const orgs = accountOrganizationIds(account).flatMap((id) => nodes.get(id) ?? []);
  const ctx = accountContext(account, orgs, manager ? accountBaseContext(manager, nodes) : null);

  const fields: Record<string, FieldPreview> = {};
  const m = mapping.members;
  const coercions = {
    userid: asUserid, gender: asGender, enable: asEnable, to_invite: asBoolean,
  } as Record<string, (v: Value) => Coerced<unknown>>;
  for (const [f, fe] of Object.entries(m)) if (fe) fields[`members.${f}`] = preview(fe, ctx, coercions[f] ?? asText);
  mapping.extattrs.forEach((a, i) => {
    if (a.type === 'text') fields[`extattrs[${i}].value`] = preview(a.value, ctx, asText);
    else {
      fields[`extattrs[${i}].url`] = preview(a.url, ctx, asText);
      fields[`extattrs[${i}].title`] = preview(a.title, ctx, asText);
    }
  });
  if (mapping.accountFilter) fields['scope.accountFilter'] = preview(mapping.accountFilter, ctx, asCondition);
  if (mapping.leader)
    for (const n of orgs) fields[`affiliation.leaderExpression[${n.org.id}]`] = preview(mapping.leader, withOrganization(ctx, n.ctx), asCondition);

  // The member exactly as a run would produce it (scope, affiliation, direct_leader).
  const run = mapDirectory({ organizations: context.organizations, accounts: manager ? [account, manager] : [account] }, mapping, context.settings);
  const member = run.desired.members.find((x) => x.key === account.id) ?? null;
  const held = run.held.accounts.includes(account.id);
  return {
    fields,
    context: ctx,
    member,
    inScope: member !== null || held,
    problems: run.problems.filter((p) => p.objectType === 'account' && p.key === account.id),
  };
}
