// WeCom answers 60104 (mobile taken) and 60106 (e-mail taken) without saying by whom. The links
// know what this connection last wrote to each of its members: when one of them holds the value,
// the explanation names it; otherwise the holder is a member this connection does not manage
// (made by hand, by another application, or left by a deleted account).
import type { Operation } from '../../domain/plan.js';
import { Errcode } from '../../wecom/errors/catalog.js';
import type { LinkCache } from './link-cache.js';
import type { Outcome } from './perform.js';

const FIELDS = new Map<number, { field: 'mobile' | 'email'; en: string; zh: string; wecomEn: string; wecomZh: string }>([
  [Errcode.MobileExists, { field: 'mobile', en: 'mobile', zh: '手机号', wecomEn: 'Mobile existed', wecomZh: '手机号码已存在' }],
  [Errcode.EmailExists, { field: 'email', en: 'e-mail', zh: '邮箱', wecomEn: 'E-mail existed', wecomZh: '邮箱已存在' }],
]);

/** The outcome, its explanation naming who holds the mobile or e-mail WeCom says is taken. */
export function withHolder(op: Operation, outcome: Outcome, links: LinkCache): Outcome {
  const f = outcome.status === 'failed' && outcome.errcode != null ? FIELDS.get(outcome.errcode) : undefined;
  if (!f || (op.kind !== 'member.create' && op.kind !== 'member.update')) return outcome;
  const value = (op.body as { mobile?: string; email?: string })[f.field];
  if (!value) return outcome;
  const holder = links.holderOf(f.field, value, op.key);
  const head = { en: `${f.wecomEn}: ${value} is already used by`, zh: `${f.wecomZh}：${value} 已被` };
  const explanation = holder
    ? {
        en: `${head.en} WeCom member ${holder.userid}${holder.shadow?.name ? ` (${holder.shadow.name})` : ''}, synced from account ${holder.key}. Give one of the two accounts another ${f.en}.`,
        zh: `${head.zh}企业微信成员 ${holder.userid}${holder.shadow?.name ? `（${holder.shadow.name}）` : ''}使用，该成员同步自账号 ${holder.key}。请为其中一个账号更换${f.zh}。`,
      }
    : {
        en: `${head.en} a WeCom member this connection does not manage (made by hand, by another application, or left by a deleted account). Find it in WeCom's admin console and free the ${f.en}, or give this account another one.`,
        zh: `${head.zh}一个不由本连接管理的企业微信成员使用（手工创建、其他应用创建，或已删除账号遗留）。请在企业微信管理后台找到该成员并释放此${f.zh}，或为此账号更换${f.zh}。`,
      };
  return { ...outcome, explanation };
}
