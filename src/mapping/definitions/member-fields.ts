// Evaluating one account's member fields: shared by mapDirectory() and previewAccount().
import type { DesiredExtAttr, DesiredMemberFields } from '../../domain/desired.js';
import { type Context, ExpressionError, type Value } from '../expression/index.js';
import type { CompiledMapping } from './compile.js';
import type { FieldExpression } from './field-expression.js';
import { ABSENT, type Coerced, TypeProblem, asBoolean, asEnable, asGender, asText, asUserid } from './values.js';

export interface FieldFailure {
  field: string;
  message: string;
  code?: string;
}

/** Runs an expression and coerces its result; a failure is reported through `fail`. */
export function runField<T>(fe: FieldExpression, ctx: Context, coerce: (v: Value) => Coerced<T>, field: string, fail: (f: FieldFailure) => void): T | typeof ABSENT {
  let v: Value;
  try {
    v = fe.run(ctx);
  } catch (e) {
    if (!(e instanceof ExpressionError)) throw e;
    fail({ field, message: `${fe.path}: ${e.message} (at column ${e.position.column})`, code: e.code });
    return ABSENT;
  }
  const c = coerce(v);
  if (c instanceof TypeProblem) {
    fail({ field, message: `${fe.path} ${c.message}`, code: 'E_FIELD_TYPE' });
    return ABSENT;
  }
  return c;
}

const TEXT_FIELDS = ['alias', 'mobile', 'email', 'biz_mail', 'telephone', 'position', 'address', 'external_position'] as const;

interface MemberFieldsResult {
  /** undefined when a required field (userid, name) failed. */
  userid: string | undefined;
  fields: DesiredMemberFields | undefined;
  toInvite: boolean | undefined;
  failures: FieldFailure[];
  /** The required fields that failed. */
  requiredFailed: boolean;
}

/** Every member field except affiliation and direct_leader. */
export function memberFields(m: CompiledMapping, ctx: Context, status: string): MemberFieldsResult {
  const failures: FieldFailure[] = [];
  const fail = (f: FieldFailure): void => void failures.push(f);
  const ms = m.members;
  const userid = runField(ms.userid, ctx, asUserid, 'userid', fail);
  const name = runField(ms.name, ctx, asText, 'name', fail);
  let requiredFailed = false;
  if (userid === ABSENT) {
    requiredFailed = true;
    if (!failures.some((f) => f.field === 'userid')) fail({ field: 'userid', message: `${ms.userid.path} gave no value (the member needs a userid)` });
  }
  if (name === ABSENT) {
    requiredFailed = true;
    if (!failures.some((f) => f.field === 'name')) fail({ field: 'name', message: `${ms.name.path} gave no value (the member needs a name)` });
  }
  const defaultEnable: 0 | 1 = status === 'disabled' ? 0 : 1;
  let enable: 0 | 1 = defaultEnable;
  if (ms.enable) {
    const e = runField(ms.enable, ctx, asEnable, 'enable', fail);
    if (e !== ABSENT) enable = e;
  }
  const fields: DesiredMemberFields = { name: name === ABSENT ? '' : name, enable };
  for (const f of TEXT_FIELDS) {
    const fe = ms[f];
    if (!fe) continue;
    const v = runField(fe, ctx, asText, f, fail);
    if (v !== ABSENT) fields[f] = v;
  }
  if (ms.gender) {
    const g = runField(ms.gender, ctx, asGender, 'gender', fail);
    if (g !== ABSENT) fields.gender = g;
  }
  if (m.extattrs.length > 0) {
    const attrs: DesiredExtAttr[] = [];
    for (const a of m.extattrs) {
      const field = `extattr.${a.name}`;
      if (a.type === 'text') {
        const v = runField(a.value, ctx, asText, field, fail);
        if (v !== ABSENT) attrs.push({ type: 0, name: a.name, text: { value: v } });
      } else {
        const url = runField(a.url, ctx, asText, field, fail);
        const title = runField(a.title, ctx, asText, field, fail);
        if (url !== ABSENT) attrs.push({ type: 1, name: a.name, web: { url, title: title === ABSENT ? '' : title } });
      }
    }
    if (attrs.length > 0) fields.extattr = { attrs };
  }
  let toInvite: boolean | undefined;
  if (ms.to_invite) {
    const t = runField(ms.to_invite, ctx, asBoolean, 'to_invite', fail);
    if (t !== ABSENT) toInvite = t;
  }
  return { userid: requiredFailed ? undefined : (userid as string), fields: requiredFailed ? undefined : fields, toInvite, failures, requiredFailed };
}
