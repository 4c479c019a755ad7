// Property: whatever sequence of creates, moves, renames and deletes is attempted, the directory
// accepts exactly the ones a simple model says are valid, and the tree stays a tree (no cycles,
// every parent exists, sibling names unique). One change-feed entry per accepted write.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Directory } from '../../src/directory/directory.js';
import { ConflictError, NotFoundError, ValidationError } from '../../src/directory/errors.js';
import { BACKENDS } from '../store/backends.js';

type Op =
  | { kind: 'create'; name: string; parent: number | null }
  | { kind: 'move'; target: number; parent: number | null }
  | { kind: 'rename'; target: number; name: string }
  | { kind: 'delete'; target: number }
  | { kind: 'createUnknownParent'; name: string };

const NAMES = ['a', 'b', 'c', '销售'];
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('create' as const), name: fc.constantFrom(...NAMES), parent: fc.option(fc.nat(12), { nil: null }) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('move' as const), target: fc.nat(12), parent: fc.option(fc.nat(12), { nil: null }) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('rename' as const), target: fc.nat(12), name: fc.constantFrom(...NAMES) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('delete' as const), target: fc.nat(12) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('createUnknownParent' as const), name: fc.constantFrom(...NAMES) }), weight: 1 },
);

interface Node {
  name: string;
  parent: string | null;
}

function isSelfOrAncestor(model: Map<string, Node>, a: string, b: string | null): boolean {
  for (let cur = b; cur !== null; cur = model.get(cur)!.parent) if (cur === a) return true;
  return false;
}

const siblingTaken = (model: Map<string, Node>, parent: string | null, name: string, except?: string): boolean =>
  [...model].some(([id, n]) => id !== except && n.parent === parent && n.name === name);

describe.each(BACKENDS)('tree rules on $name (property)', (backend) => {
  it('accepts exactly the valid operations and keeps a well-formed tree', async () => {
    const t = await backend.open();
    const d = new Directory(t.store);
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: backend.name === 'sqlite' ? 40 : 20 }), async (ops) => {
          // Start each run from an empty directory.
          for (const o of (await d.getTree()).reverse()) await d.deleteOrganization(o.id);
          const startSeq = await d.latestSequence();
          const model = new Map<string, Node>();
          const ids: string[] = [];
          let accepted = 0;
          const pick = (i: number | null): string | null => (i === null || ids.length === 0 ? null : ids[i % ids.length]!);
          for (const op of ops) {
            let expected: 'ok' | typeof ValidationError | typeof ConflictError | typeof NotFoundError;
            let run: () => Promise<unknown>;
            if (op.kind === 'create') {
              const parent = pick(op.parent);
              expected = parent !== null && !model.has(parent) ? ValidationError : siblingTaken(model, parent, op.name) ? ConflictError : 'ok';
              run = async () => {
                const o = await d.createOrganization({ name: op.name, parentId: parent });
                model.set(o.id, { name: op.name, parent });
                ids.push(o.id);
              };
            } else if (op.kind === 'createUnknownParent') {
              expected = ValidationError;
              run = () => d.createOrganization({ name: op.name, parentId: 'org_unknown' });
            } else {
              const target = pick(op.target);
              if (target === null || !model.has(target)) continue;
              const node = model.get(target)!;
              if (op.kind === 'move') {
                const parent = pick(op.parent);
                if (parent === node.parent) continue; // a no-op
                if (parent !== null && !model.has(parent)) continue;
                expected = isSelfOrAncestor(model, target, parent) ? ValidationError : siblingTaken(model, parent, node.name, target) ? ConflictError : 'ok';
                run = async () => {
                  await d.updateOrganization(target, { parentId: parent });
                  node.parent = parent;
                };
              } else if (op.kind === 'rename') {
                if (op.name === node.name) continue;
                expected = siblingTaken(model, node.parent, op.name, target) ? ConflictError : 'ok';
                run = async () => {
                  await d.updateOrganization(target, { name: op.name });
                  node.name = op.name;
                };
              } else {
                expected = [...model.values()].some((n) => n.parent === target) ? ConflictError : 'ok';
                run = async () => {
                  await d.deleteOrganization(target);
                  model.delete(target);
                };
              }
            }
            const outcome = await run().then(
              () => 'ok' as const,
              (e: unknown) => e,
            );
            if (expected === 'ok') {
              expect(outcome, `${JSON.stringify(op)} should succeed`).toBe('ok');
              accepted++;
            } else expect(outcome, `${JSON.stringify(op)} should fail`).toBeInstanceOf(expected);
          }
          // The stored tree equals the model and is well formed.
          const tree = await d.getTree();
          expect(new Map(tree.map((o) => [o.id, { name: o.name, parent: o.parentId }]))).toEqual(model);
          const seen = new Set<string>();
          for (const o of tree) {
            if (o.parentId !== null) expect(seen.has(o.parentId)).toBe(true); // parents first => acyclic
            seen.add(o.id);
          }
          const keys = tree.map((o) => `${o.parentId}/${o.name}`);
          expect(new Set(keys).size).toBe(keys.length);
          expect((await d.latestSequence()) - startSeq).toBe(accepted);
        }),
        { numRuns: backend.name === 'sqlite' ? 60 : 12 },
      );
    } finally {
      await t.dispose();
    }
  }, 120_000);
});
