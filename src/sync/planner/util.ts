// Small pure helpers of the planner: deterministic comparison, normalisation, temp names, topo sort.
import type { DesiredExtAttr } from '../../domain/desired.js';
import type { Operation } from '../../domain/plan.js';
import { READING_LIMITS } from '../../wecom/rules/fields.js';

/** Code-unit string order: deterministic and locale-independent. */
export const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export const lower = (s: string): string => s.toLowerCase();

function sameInOrder<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function sameNumberSet(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  if (sameInOrder(a, b)) return true;
  const s = new Set(a);
  if (s.size !== new Set(b).size) return false;
  for (const x of b) if (!s.has(x)) return false;
  return true;
}

export function sameStringSet(a: readonly string[], b: readonly string[]): boolean {
  if (sameInOrder(a, b)) return true;
  const sa = [...new Set(a)].sort(cmp);
  const sb = [...new Set(b)].sort(cmp);
  return sa.length === sb.length && sa.every((x, i) => x === sb[i]);
}

/** Same extended attributes (ignoring order and cleared attributes). */
export function sameExtattr(a: { attrs: DesiredExtAttr[] } | undefined, b: { attrs: DesiredExtAttr[] } | undefined): boolean {
  const x = a?.attrs ?? [];
  const y = b?.attrs ?? [];
  if (x.length === y.length) {
    let same = true;
    for (let i = 0; i < x.length && same; i++) {
      const p = x[i]!;
      const q = y[i]!;
      same = p.name === q.name && p.type === q.type &&
        (p.type === 0 ? p.text.value === (q as typeof p).text.value : p.web.url === (q as typeof p).web.url && p.web.title === (q as typeof p).web.title);
    }
    if (same) return true;
  }
  return sameMap(extattrMap(a), extattrMap(b));
}

/** extattr as name -> canonical value; empty values (cleared attributes) are dropped. */
export function extattrMap(ext: { attrs: DesiredExtAttr[] } | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const a of ext?.attrs ?? []) {
    if (a.type === 0) {
      if (a.text.value !== '') m.set(a.name, `0:${a.text.value}`);
    } else if (a.web.url !== '' || a.web.title !== '') {
      m.set(a.name, `1:${a.web.url}\u0000${a.web.title}`);
    }
  }
  return m;
}

export function sameMap(a: Map<string, string>, b: Map<string, string>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (b.get(k) !== v) return false;
  return true;
}

const FORBIDDEN = /[\\:*?"<>|]/g;

/**
 * A temporary department name that frees `name` for a sibling: `<name>~tmp~<id in base 36>`,
 * cut so it stays within WeCom's name limit in every reading (32 characters), with forbidden characters removed.
 */
export function temporaryName(name: string, departmentId: number, taken: (n: string) => boolean): string {
  const base = [...name.replace(FORBIDDEN, '')];
  for (let attempt = 0; ; attempt++) {
    const suffix = `~tmp~${departmentId.toString(36)}${attempt === 0 ? '' : `~${attempt}`}`;
    const room = READING_LIMITS.strict.departmentNameMaxChars - suffix.length;
    const candidate = base.slice(0, Math.max(0, room)).join('') + suffix;
    if (!taken(candidate)) return candidate;
  }
}

/**
 * Stable topological order: among operations whose dependencies are done, the one that came
 * first in `ops` goes first. Throws on a dependency cycle or an unknown dependency (planner bugs).
 */
export function topoSort(ops: Operation[]): Operation[] {
  const index = new Map<string, number>();
  ops.forEach((op, i) => {
    if (index.has(op.id)) throw new Error(`planner bug: duplicate operation id ${op.id}`);
    index.set(op.id, i);
  });
  const indegree = new Array<number>(ops.length).fill(0);
  const dependents: number[][] = ops.map(() => []);
  let inOrder = true;
  ops.forEach((op, i) => {
    for (const d of op.dependsOn) {
      const j = index.get(d);
      if (j === undefined) throw new Error(`planner bug: ${op.id} depends on unknown ${d}`);
      indegree[i]! += 1;
      dependents[j]!.push(i);
      if (j > i) inOrder = false;
    }
  });
  if (inOrder) return ops;
  const heap = new MinHeap();
  indegree.forEach((d, i) => {
    if (d === 0) heap.push(i);
  });
  const out: Operation[] = [];
  while (heap.size > 0) {
    const i = heap.pop();
    out.push(ops[i]!);
    for (const j of dependents[i]!) {
      indegree[j]! -= 1;
      if (indegree[j] === 0) heap.push(j);
    }
  }
  if (out.length !== ops.length) throw new Error('planner bug: dependency cycle between operations');
  return out;
}

class MinHeap {
  private a: number[] = [];
  get size(): number {
    return this.a.length;
  }
  push(x: number): void {
    const a = this.a;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (a[p]! <= x) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = x;
  }
  pop(): number {
    const a = this.a;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= a.length) break;
        const r = l + 1;
        const c = r < a.length && a[r]! < a[l]! ? r : l;
        if (a[c]! >= last) break;
        a[i] = a[c]!;
        i = c;
      }
      a[i] = last;
    }
    return top;
  }
}
