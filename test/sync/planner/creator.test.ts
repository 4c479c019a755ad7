// The company's creator (a userid WeCom answered 301005 for): never deleted, disabled or re-created,
// whatever the policy; a warning says why instead.
import { describe, expect, it } from 'vitest';
import type { DesiredState } from '../../../src/domain/desired.js';
import { company, dept, member, noLinks, settings, step } from './fixtures.js';

const tree = (m = member('boss', 'founder', ['d'])): DesiredState => ({ departments: [dept('d', 'Board')], members: [m, member('x', 'other', ['d'])] });

function synced(): { model: ReturnType<typeof company>; links: ReturnType<typeof noLinks> } {
  const model = company();
  const { links } = step(model, tree(), noLinks());
  return { model, links };
}

const warnings = (p: { warnings: Array<{ code: string; key?: string }> }) => p.warnings.filter((w) => w.code === 'creator-protected').map((w) => w.key);

describe("the company's creator", () => {
  const s = settings({ protectedUserids: ['FOUNDER'] });

  it('is not deleted when its account is gone (policy delete), nor disabled (policy disable)', () => {
    for (const onAccountDeleted of ['delete', 'disable'] as const) {
      const { model, links } = synced();
      const { plan } = step(model, { ...tree(), members: [member('x', 'other', ['d'])] }, links, { ...s, onAccountDeleted });
      expect(plan.operations.filter((o) => o.key === 'boss')).toEqual([]);
      expect(warnings(plan)).toEqual(['boss']);
      // without the protection the same plan deletes or disables it
      const plain = step(synced().model, { ...tree(), members: [member('x', 'other', ['d'])] }, links, settings({ onAccountDeleted }));
      expect(plain.plan.operations.filter((o) => o.key === 'boss').map((o) => o.kind)).toEqual([onAccountDeleted === 'delete' ? 'member.delete' : 'member.disable']);
    }
  });

  it('is not disabled when its account is disabled, but its other changes are sent', () => {
    const { model, links } = synced();
    const { plan } = step(model, tree(member('boss', 'founder', ['d'], { enable: 0, position: 'Chair' })), links, s);
    const ops = plan.operations.filter((o) => o.key === 'boss');
    expect(ops.map((o) => [o.kind, o.body])).toEqual([['member.update', { userid: 'founder', position: 'Chair' }]]);
    expect(warnings(plan)).toEqual(['boss']);
  });

  it('is not deleted under policy onAccountDisabled "delete", nor re-created for a changed userid', () => {
    const { model, links } = synced();
    const disabled = step(model, tree(member('boss', 'founder', ['d'], { enable: 0 })), links, { ...s, onAccountDisabled: 'delete' });
    expect(disabled.plan.operations.filter((o) => o.key === 'boss')).toEqual([]);
    const renamed = step(synced().model, tree(member('boss', 'founder2', ['d'])), links, s, { useridChange: 'recreate' });
    expect(renamed.plan.operations.filter((o) => o.key === 'boss')).toEqual([]);
    expect(warnings(renamed.plan)).toEqual(['boss']);
  });
});
