// Stage "map": the directory → the desired WeCom departments and members (through the pure
// mapping in src/mapping/definitions). A full run maps the whole directory; an incremental run maps
// the organization tree and only the accounts its changes can affect, and remembers those keys:
// they are all it plans.
import type { Change } from '../../domain/change.js';
import type { DesiredState } from '../../domain/desired.js';
import type { Directory, DirectorySnapshot } from '../../directory/directory.js';
import { mapDirectory, type CompiledMapping, type MappingProblem } from '../../mapping/definitions/index.js';
import { affectedKeys, collectAffected, type AffectedKeys } from './affected.js';

export interface MappedDirectory {
  desired: DesiredState;
  /** Per-object mapping problems (never dropped silently): objects left out, fields omitted. */
  problems: MappingProblem[];
  /** In scope but left out of `desired` by a problem: unknown this run, never treated as deleted. */
  held: { organizations: string[]; accounts: string[] };
  /** WeCom department ids given by the mapping, for adopting departments by id. */
  departmentIds: Array<{ key: string; departmentId: number }>;
  /** The change-feed sequence the mapping reflects (every change up to it); stored as the cursor when the run covers it. */
  changeSeq?: number;
  /** Incremental runs: the keys the changes can affect — the only ones planned. Absent: every key. */
  affected?: AffectedKeys;
}

interface MapSettings {
  mapping: CompiledMapping;
  defaultDepartmentId: number | null;
}

function mapSnapshot(snapshot: DirectorySnapshot, s: MapSettings): Omit<MappedDirectory, 'changeSeq' | 'affected'> {
  const r = mapDirectory(snapshot, s.mapping, { defaultDepartmentId: s.defaultDepartmentId });
  return { desired: r.desired, problems: r.problems, held: r.held, departmentIds: r.departmentIds };
}

/** The whole directory; the feed sequence is read before the snapshot, so every change up to it is in it. */
export async function mapFull(directory: Directory, s: MapSettings): Promise<MappedDirectory> {
  const changeSeq = await directory.latestSequence();
  const snapshot = await directory.snapshot();
  return { ...mapSnapshot(snapshot, s), changeSeq };
}

/**
 * The objects a batch of changes can affect. Up to `targetedReadLimit` changes only the tree and
 * the affected accounts are read; more, the whole directory. Problems are kept for affected objects only.
 */
export async function mapChanges(directory: Directory, s: MapSettings, changes: readonly Change[], changeSeq: number, targetedReadLimit = 200): Promise<MappedDirectory> {
  let snapshot: DirectorySnapshot;
  let affected: AffectedKeys;
  if (changes.length <= targetedReadLimit) ({ snapshot, keys: affected } = await collectAffected(directory, changes));
  else {
    snapshot = await directory.snapshot();
    affected = affectedKeys(changes, snapshot);
  }
  const m = mapSnapshot(snapshot, s);
  const problems = m.problems.filter((p) => affected.organizations.has(p.key) || affected.accounts.has(p.key));
  return { ...m, problems, changeSeq, affected };
}

/**
 * The changes in (after, upTo], read in pages; null when there are more than `max` (a full run is
 * cheaper than planning that many keys one by one).
 */
export async function changesBetween(directory: Directory, after: number, upTo: number, max: number): Promise<Change[] | null> {
  const changes: Change[] = [];
  for (let from = after; from < upTo; ) {
    const page = await directory.changesSince(from, 10_000);
    if (page.length === 0) break;
    for (const c of page) if (c.seq <= upTo) changes.push(c);
    if (changes.length > max) return null;
    from = page[page.length - 1]!.seq;
  }
  return changes;
}

/** A fixed desired state (tests, benchmarks): nothing held, no feed sequence. */
export function mappedState(desired: DesiredState): MappedDirectory {
  return { desired, problems: [], held: { organizations: [], accounts: [] }, departmentIds: [] };
}
