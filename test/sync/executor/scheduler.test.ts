// The executor's scheduler on its own: dependency order, per-API and total limits, earliest-ready
// first across APIs, skips naming the dependency, resumed runs. Then properties over random
// dependency graphs, limits and outcomes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Scheduler, type SchedulerOp, type SchedulerStatus } from '../../../src/sync/executor/scheduler.js';

const op = (id: string, api: string, dependsOn: string[] = [], status: SchedulerStatus = 'pending'): SchedulerOp => ({ id, api, dependsOn, status });

/** Takes every operation next() gives now. */
function drain(s: Scheduler): string[] {
  const out: string[] = [];
  for (let id = s.next(); id !== undefined; id = s.next()) out.push(id);
  return out;
}

describe('scheduler', () => {
  it('starts an operation only once its dependencies inside the plan succeeded; outside ones count as done', () => {
    const s = new Scheduler([op('d1', 'dept'), op('m1', 'user', ['d1']), op('m2', 'user', ['gone-from-plan'])], { total: 10, perApi: 10 });
    expect(drain(s)).toEqual(['d1', 'm2']);
    s.finish('d1', true);
    expect(drain(s)).toEqual(['m1']);
  });

  it('keeps at most perApi of one API and total in flight; a free slot of another API is used', () => {
    const s = new Scheduler([op('d1', 'dept'), op('d2', 'dept'), op('d3', 'dept'), op('u1', 'user'), op('u2', 'user'), op('u3', 'user')], { total: 3, perApi: 2 });
    expect(drain(s)).toEqual(['d1', 'd2', 'u1']);
    expect(s.inFlight).toBe(3);
    s.finish('d1', true);
    // d3 and u2 are both waiting: d3 became ready first, and dept has a free slot again
    expect(drain(s)).toEqual(['d3']);
    s.finish('u1', true);
    expect(drain(s)).toEqual(['u2']);
  });

  it('serves the operation that became ready first across APIs; within an API first in, first out', () => {
    const s = new Scheduler([op('a', 'x'), op('b', 'y', ['a']), op('c', 'x', ['a']), op('d', 'x')], { total: 1, perApi: 1 });
    expect(drain(s)).toEqual(['a']);
    s.finish('a', true); // b and c become ready now, after d
    expect(drain(s)).toEqual(['d']);
    s.finish('d', true);
    expect(drain(s)).toEqual(['b']);
    s.finish('b', true);
    expect(drain(s)).toEqual(['c']);
  });

  it('an operation whose dependency failed is skipped naming it; its own dependents are skipped naming it in turn', () => {
    const s = new Scheduler([op('d', 'dept'), op('m', 'user', ['d']), op('u', 'user', ['m']), op('free', 'user')], { total: 10, perApi: 10 });
    expect(drain(s)).toEqual(['d', 'free']);
    s.finish('d', false);
    expect(s.takeSkipped()).toEqual([
      { id: 'm', dependency: 'd', dependencyStatus: 'failed' },
      { id: 'u', dependency: 'm', dependencyStatus: 'skipped' },
    ]);
    expect(s.takeSkipped()).toEqual([]);
    expect(drain(s)).toEqual([]);
  });

  it('a resumed run: finished operations settle at once, running and pending ones are scheduled', () => {
    const s = new Scheduler(
      [op('a', 'x', [], 'succeeded'), op('b', 'x', [], 'failed'), op('c', 'x', ['a'], 'running'), op('d', 'x', ['b']), op('e', 'x', ['a'], 'skipped'), op('f', 'x', ['e'])],
      { total: 10, perApi: 10 },
    );
    expect(s.takeSkipped()).toEqual([
      { id: 'f', dependency: 'e', dependencyStatus: 'skipped' },
      { id: 'd', dependency: 'b', dependencyStatus: 'failed' },
    ]);
    expect(drain(s)).toEqual(['c']);
  });

  it('a finished operation settles at once even while a dependency of it is still pending', () => {
    const s = new Scheduler([op('a', 'x'), op('b', 'x', ['a'], 'succeeded'), op('c', 'y', ['b'])], { total: 10, perApi: 10 });
    expect(drain(s)).toEqual(['a', 'c']);
    s.finish('a', false);
    expect(s.takeSkipped()).toEqual([]);
  });

  it('a released operation frees its slot and keeps its dependents waiting', () => {
    const s = new Scheduler([op('a', 'x'), op('b', 'x', ['a']), op('c', 'x')], { total: 1, perApi: 1 });
    expect(drain(s)).toEqual(['a']);
    s.release('a');
    expect(s.inFlight).toBe(0);
    expect(drain(s)).toEqual(['c']);
    s.finish('c', true);
    expect(drain(s)).toEqual([]);
    expect(s.takeSkipped()).toEqual([]);
    expect(() => s.finish('a', true)).toThrow(/not in flight/);
  });
});

// ------------------------------------------------------------------ properties

interface Case {
  ops: SchedulerOp[];
  limits: { total: number; perApi: number };
  /** per operation: whether it succeeds when run */
  succeeds: boolean[];
  /** which in-flight operation finishes next (index into the in-flight list, modulo its length) */
  picks: number[];
}

const APIS = ['department/create', 'user/create', 'user/update'];
const STATUSES: SchedulerStatus[] = ['pending', 'pending', 'pending', 'running', 'succeeded', 'failed', 'skipped'];

/** A random plan: each operation depends on earlier ones (and now and then on one outside the plan). */
const caseArb: fc.Arbitrary<Case> = fc.integer({ min: 1, max: 30 }).chain((n) =>
  fc.record({
    ops: fc.tuple(
      ...Array.from({ length: n }, (_, i) =>
        fc.record({
          api: fc.constantFrom(...APIS),
          deps: fc.uniqueArray(fc.integer({ min: 0, max: i }), { maxLength: 3 }),
          outside: fc.boolean(),
          status: fc.constantFrom(...STATUSES),
        }),
      ),
    ).map((raw) =>
      raw.map((r, i) => op(`op${i}`, r.api, [...r.deps.filter((d) => d < i).map((d) => `op${d}`), ...(r.outside ? ['elsewhere'] : [])], r.status)),
    ),
    limits: fc.record({ total: fc.integer({ min: 1, max: 6 }), perApi: fc.integer({ min: 1, max: 4 }) }),
    succeeds: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    picks: fc.array(fc.nat(), { minLength: 4 * n, maxLength: 4 * n }),
  }),
);

const FINISHED = new Set<SchedulerStatus>(['succeeded', 'failed', 'skipped']);

describe('scheduler properties', () => {
  it('each operation is started or skipped exactly once, after its dependencies succeeded, within the limits; skipped iff a dependency failed', () => {
    fc.assert(
      fc.property(caseArb, ({ ops, limits, succeeds, picks }) => {
        const index = new Map(ops.map((o, i) => [o.id, i]));
        const inPlan = (o: SchedulerOp) => o.dependsOn.filter((d) => index.has(d));
        // how each operation ended: its stored status if finished, else as run here
        const ended = new Map<string, 'succeeded' | 'failed' | 'skipped'>();
        for (const o of ops) if (FINISHED.has(o.status)) ended.set(o.id, o.status as 'succeeded' | 'failed' | 'skipped');
        const started = new Set<string>();
        const skipped = new Set<string>();
        const inFlight: string[] = [];

        const s = new Scheduler(ops, limits);
        const collectSkips = () => {
          for (const k of s.takeSkipped()) {
            expect(started.has(k.id) || skipped.has(k.id) || ended.has(k.id)).toBe(false);
            expect(['failed', 'skipped']).toContain(ended.get(k.dependency));
            expect(k.dependencyStatus).toBe(ended.get(k.dependency));
            skipped.add(k.id);
            ended.set(k.id, 'skipped');
          }
        };
        const startAll = () => {
          for (let id = s.next(); id !== undefined; id = s.next()) {
            const o = ops[index.get(id)!]!;
            expect(FINISHED.has(o.status), `${id} was finished already`).toBe(false);
            expect(started.has(id) || skipped.has(id)).toBe(false);
            for (const d of inPlan(o)) expect(ended.get(d), `${id} started before ${d} succeeded`).toBe('succeeded');
            started.add(id);
            inFlight.push(id);
            expect(inFlight.length).toBeLessThanOrEqual(limits.total);
            expect(inFlight.filter((x) => ops[index.get(x)!]!.api === o.api).length).toBeLessThanOrEqual(limits.perApi);
          }
          // work-conserving: next() said nothing although a ready operation's API had a free slot
          if (inFlight.length < limits.total)
            for (const o of ops) {
              const ready = !ended.has(o.id) && !started.has(o.id) && inPlan(o).every((d) => ended.get(d) === 'succeeded');
              const apiBusy = inFlight.filter((x) => ops[index.get(x)!]!.api === o.api).length >= limits.perApi;
              expect(ready && !apiBusy, `${o.id} was ready with a free slot`).toBe(false);
            }
        };

        collectSkips();
        startAll();
        let p = 0;
        while (inFlight.length > 0) {
          const [id] = inFlight.splice(picks[p++ % picks.length]! % inFlight.length, 1);
          const ok = succeeds[index.get(id!)!]!;
          ended.set(id!, ok ? 'succeeded' : 'failed');
          s.finish(id!, ok);
          collectSkips();
          startAll();
        }

        for (const o of ops) {
          // every operation ended one way or another, exactly once
          const outcomes = [started.has(o.id), skipped.has(o.id), FINISHED.has(o.status)].filter(Boolean);
          expect(outcomes, o.id).toHaveLength(1);
          // skipped iff some transitive dependency failed, here or before the resume (an operation
          // found finished settles as it was found: the path stops there)
          const bad = (id: string, seen = new Set<string>()): boolean =>
            inPlan(ops[index.get(id)!]!).some((d) => {
              if (seen.has(d)) return false;
              seen.add(d);
              const found = ops[index.get(d)!]!.status;
              if (FINISHED.has(found)) return found !== 'succeeded';
              return ended.get(d) === 'failed' || bad(d, seen);
            });
          if (!FINISHED.has(o.status)) expect(skipped.has(o.id), `${o.id} skipped`).toBe(bad(o.id));
        }
        expect(s.inFlight).toBe(0);
      }),
      { numRuns: 400 },
    );
  });
});
