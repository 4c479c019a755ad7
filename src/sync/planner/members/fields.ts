// Member fields other than departments: the update's field-by-field difference from the shadow,
// and the create's fields.
import type { DesiredMemberFields } from '../../../domain/desired.js';
import type { MemberShadow } from '../../../domain/link.js';
import type { FieldChange, MemberWritableBody } from '../../../domain/plan.js';
import { extattrMap, sameExtattr, sameStringSet } from '../util.js';

const TEXT_FIELDS = ['name', 'alias', 'mobile', 'email', 'biz_mail', 'telephone', 'position', 'address', 'external_position'] as const;
const KEEP_IF_UNSET = ['gender', 'avatar_mediaid'] as const;
const NONE: readonly string[] = [];

/** Sets one field of the body and records the change. */
function setField(body: MemberWritableBody, changes: FieldChange[], field: keyof MemberWritableBody, old: unknown, value: unknown): void {
  (body as Record<string, unknown>)[field] = value;
  changes.push({ field, old: old ?? null, new: value });
}

function text(body: MemberWritableBody, changes: FieldChange[], hasShadow: boolean, f: (typeof TEXT_FIELDS)[number], d: string | undefined, s: string | undefined): void {
  if (hasShadow ? (d ?? '') !== (s ?? '') : d !== undefined && d !== '') setField(body, changes, f, s, d ?? '');
}

/**
 * Field-by-field difference between the desired fields and the shadow (without shadow: every
 * non-empty field); text fields the directory no longer has are cleared with "", and so are
 * extended attributes. Fills body and changes.
 */
export function diffFields(desired: DesiredMemberFields, shadow: MemberShadow | null, body: MemberWritableBody, changes: FieldChange[]): void {
  const set = (field: keyof MemberWritableBody, old: unknown, value: unknown): void => setField(body, changes, field, old, value);
  // written out field by field: a loop over names makes every access megamorphic (several times slower)
  const h = shadow !== null;
  text(body, changes, h, 'name', desired.name, shadow?.name);
  text(body, changes, h, 'alias', desired.alias, shadow?.alias);
  text(body, changes, h, 'mobile', desired.mobile, shadow?.mobile);
  text(body, changes, h, 'email', desired.email, shadow?.email);
  text(body, changes, h, 'biz_mail', desired.biz_mail, shadow?.biz_mail);
  text(body, changes, h, 'telephone', desired.telephone, shadow?.telephone);
  text(body, changes, h, 'position', desired.position, shadow?.position);
  text(body, changes, h, 'address', desired.address, shadow?.address);
  text(body, changes, h, 'external_position', desired.external_position, shadow?.external_position);
  if (desired.gender !== undefined && shadow?.gender !== desired.gender) set('gender', shadow?.gender, desired.gender);
  if (desired.avatar_mediaid !== undefined && shadow?.avatar_mediaid !== desired.avatar_mediaid) set('avatar_mediaid', shadow?.avatar_mediaid, desired.avatar_mediaid);
  if (shadow?.enable !== desired.enable) set('enable', shadow?.enable, desired.enable);
  const dl = desired.direct_leader ?? NONE;
  const sl = shadow?.direct_leader ?? NONE;
  if ((dl.length > 0 || sl.length > 0) && (!sameStringSet(dl, sl) || !shadow)) set('direct_leader', shadow?.direct_leader, [...dl]);
  if (shadow ? !sameExtattr(desired.extattr, shadow.extattr) : extattrMap(desired.extattr).size > 0) {
    const dm = extattrMap(desired.extattr);
    const sm = extattrMap(shadow?.extattr);
    const attrs = [...(desired.extattr?.attrs ?? [])];
    for (const a of shadow?.extattr?.attrs ?? []) {
      if (!dm.has(a.name) && sm.has(a.name))
        attrs.push(a.type === 0 ? { type: 0, name: a.name, text: { value: '' } } : { type: 1, name: a.name, web: { url: '', title: '' } });
    }
    set('extattr', shadow?.extattr, { attrs });
  }
}

/** The create body's member fields: every non-empty desired field. */
export function createFields(desired: DesiredMemberFields): MemberWritableBody {
  const body: MemberWritableBody = {};
  for (const f of TEXT_FIELDS) if (desired[f] !== undefined && desired[f] !== '') body[f] = desired[f];
  for (const f of KEEP_IF_UNSET) if (desired[f] !== undefined) (body as Record<string, unknown>)[f] = desired[f];
  body.enable = desired.enable;
  if (desired.direct_leader && desired.direct_leader.length > 0) body.direct_leader = [...desired.direct_leader];
  if (desired.extattr && extattrMap(desired.extattr).size > 0) body.extattr = { attrs: [...desired.extattr.attrs] };
  return body;
}
