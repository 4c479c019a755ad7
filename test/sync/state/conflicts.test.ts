// Stored conflicts (migration 0010) on both stores: a plan replaces the rows of the keys it
// planned, and of those naming a planned key as a rival; a full plan replaces them all.
import { afterEach, describe, expect, it } from 'vitest';
import type { PlanWarning } from '../../../src/domain/plan.js';
import { listConflicts, replaceConflicts } from '../../../src/sync/state/conflicts.js';
import { purgeConnectionState } from '../../../src/sync/state/purge.js';
import { BACKENDS, type TestStore } from '../../store/backends.js';

const conflict = (key: string, claimants: string[]): PlanWarning => ({ code: 'rehire-ambiguous', key, message: `${claimants.join(' and ')} fit`, conflict: { wecomId: 'xiaomei', claimants, rule: 'email' } });
const NOW = '2026-12-07T00:00:00.000Z';

describe.each(BACKENDS)('sync conflicts ($name)', (backend) => {
  let t: TestStore;
  afterEach(async () => t?.dispose());

  it('are replaced per planned key, with their rivals, and by a full plan', async () => {
    t = await backend.open();
    const { store } = t;
    const keys = async (c = 'c1') => (await listConflicts(store.db, c, { limit: 10 })).map((r) => [r.key, r.claimants]);
    await store.write((trx) => replaceConflicts(trx, 'c1', ['a', 'b'], [conflict('a', ['a', 'b']), conflict('b', ['a', 'b']), { code: 'other', message: 'x', key: 'c' }], NOW));
    await store.write((trx) => replaceConflicts(trx, 'c2', 'all', [conflict('x', ['x', 'y'])], NOW));
    expect(await keys()).toEqual([['a', ['a', 'b']], ['b', ['a', 'b']]]);
    expect((await listConflicts(store.db, 'c1', { after: 'a', limit: 10 })).map((r) => r.key)).toEqual(['b']);
    // an incremental plan of "b" alone, without the conflict: b's row and a's (naming b) go
    await store.write((trx) => replaceConflicts(trx, 'c1', ['b'], [], NOW));
    expect(await keys()).toEqual([]);
    await store.write((trx) => replaceConflicts(trx, 'c1', ['a'], [conflict('a', ['a', 'd'])], NOW));
    expect(await keys()).toEqual([['a', ['a', 'd']]]);
    await store.write((trx) => replaceConflicts(trx, 'c1', 'all', [], NOW));
    expect(await keys()).toEqual([]);
    // other connections untouched; purge forgets them
    expect(await keys('c2')).toEqual([['x', ['x', 'y']]]);
    await store.write((trx) => purgeConnectionState(trx, 'c2'));
    expect(await keys('c2')).toEqual([]);
  });
});
