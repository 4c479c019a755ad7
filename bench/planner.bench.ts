// Planner benchmark: 10k departments and 100k members, all linked with shadow state and present
// in WeCom's id lists, ~1% changed (renames, moves, field edits, userid changes, deletions and
// new objects). Goal: plan in < 1 s with peak RSS < 300 MB.
// Run: npm run bench -- planner   (or: node --import tsx bench/planner.bench.ts)
import { loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pathToFileURL } from 'node:url';
import type { DesiredDepartment, DesiredMember } from '../src/domain/desired.js';
import type { DepartmentLink, MemberLink } from '../src/domain/link.js';
import { planSync } from '../src/sync/planner/index.js';
import type { ObservedDepartment, ObservedMember, PlannerInput } from '../src/sync/planner/types.js';

const DEPARTMENTS = 10_000;
const MEMBERS = 100_000;
const ROOT = 1;

/** Small deterministic PRNG so every run plans the same thing. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function build(): PlannerInput {
  const rnd = prng(42);
  const departments: DesiredDepartment[] = [];
  const deptLinks: DepartmentLink[] = [];
  const observedDepts: ObservedDepartment[] = [];
  const idOf = (i: number): number => 100 + i;
  for (let i = 0; i < DEPARTMENTS; i++) {
    // a tree ~5 levels deep: each department's parent is an earlier one
    const parent = i < 10 ? null : Math.floor(i / 10) - 1 + Math.floor(rnd() * 3);
    const key = `org_${String(i).padStart(5, '0')}`;
    const parentKey = parent === null ? null : `org_${String(parent).padStart(5, '0')}`;
    const parentid = parent === null ? ROOT : idOf(parent);
    const name = `Dept ${i}`;
    departments.push({ key, name, parentKey, order: i });
    deptLinks.push({ key, departmentId: idOf(i), origin: 'created', shadow: { name, parentid, order: i } });
    observedDepts.push({ id: idOf(i), parentid, order: i });
  }
  const members: DesiredMember[] = [];
  const memberLinks: MemberLink[] = [];
  const observedMembers: ObservedMember[] = [];
  for (let i = 0; i < MEMBERS; i++) {
    const d = Math.floor(rnd() * DEPARTMENTS);
    const key = `acc_${String(i).padStart(6, '0')}`;
    const userid = `user${i}`;
    const fields = {
      name: `Member ${i}`, mobile: `138${String(i).padStart(8, '0')}`, email: `user${i}@example.com`, position: 'Engineer', enable: 1 as const,
      extattr: { attrs: [{ type: 0 as const, name: 'Cost centre', text: { value: `CC${i % 97}` } }] },
    };
    members.push({ key, userid, departmentKeys: [departments[d]!.key], fields });
    memberLinks.push({ key, userid, origin: 'created', shadow: { ...fields, extattr: { attrs: [...fields.extattr.attrs] }, department: [idOf(d)], main_department: idOf(d), is_leader_in_dept: [0] } });
    observedMembers.push({ userid, department: [idOf(d)] });
  }
  // ~1% changes
  for (let i = 0; i < DEPARTMENTS / 100; i++) {
    const d = departments[Math.floor(rnd() * DEPARTMENTS)]!;
    if (i % 2 === 0) d.name = `${d.name} (renamed)`;
    else d.order = (d.order ?? 0) + 1;
  }
  for (let i = 0; i < 20; i++) departments.push({ key: `org_new_${i}`, name: `New ${i}`, parentKey: departments[i * 7]!.key });
  for (let i = 0; i < MEMBERS / 100; i++) {
    const m = members[Math.floor(rnd() * MEMBERS)]!;
    switch (i % 4) {
      case 0: m.fields = { ...m.fields, position: 'Lead' }; break;
      case 1: m.departmentKeys = [departments[Math.floor(rnd() * DEPARTMENTS)]!.key]; break;
      case 2: m.fields = { ...m.fields, mobile: `139${String(i).padStart(8, '0')}` }; break;
      case 3: m.fields = { ...m.fields, enable: 0 }; break;
    }
  }
  for (let i = 0; i < 100; i++) members.push({ key: `acc_new_${i}`, userid: `newbie${i}`, departmentKeys: [`org_new_${i % 20}`], fields: { name: `New ${i}`, mobile: `137${String(i).padStart(8, '0')}`, enable: 1 } });
  members.splice(0, 100); // 100 accounts deleted
  departments.splice(DEPARTMENTS - 10, 10); // 10 leaf organizations deleted (their members fall back to the root)
  return {
    desired: { departments, members },
    links: { departments: deptLinks, members: memberLinks },
    observed: { departments: observedDepts, members: observedMembers },
    settings: { rootDepartmentId: ROOT, onAccountDeleted: 'delete', onAccountDisabled: 'disable', onOrganizationDeleted: 'delete', safety: { maxDeletes: 500, maxDeletePercent: 5 } },
  };
}

const mb = (bytes: number): number => Math.round(bytes / 2 ** 20);

/** A full GC between runs, so each run's peak is its own (not the garbage of the runs before). */
function collect(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

export async function run(): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const input = build();
  const buildMs = performance.now() - t0;
  collect();
  const maxRssAfterBuild = process.resourceUsage().maxRSS * 1024;
  const rssBefore = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  const timings: number[] = [];
  const cpu: number[] = [];
  let plan = planSync(input); // first (cold) run
  const coldMs = performance.now() - t0 - buildMs;
  for (let i = 0; i < 5; i++) {
    collect();
    const t = performance.now();
    const c = process.cpuUsage();
    plan = planSync(input);
    const used = process.cpuUsage(c);
    timings.push(performance.now() - t);
    cpu.push((used.user + used.system) / 1000);
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  clearInterval(sampler);
  const maxRss = process.resourceUsage().maxRSS * 1024;
  const result = {
    departments: DEPARTMENTS,
    members: MEMBERS,
    operations: plan.summary.total,
    byKind: plan.summary.byKind,
    safetyExceeded: plan.safety.exceeded,
    buildFixtureMs: Math.round(buildMs),
    planColdMs: Math.round(coldMs),
    planMsMedian: Math.round([...timings].sort((a, b) => a - b)[2]!),
    planMsRuns: timings.map((t) => Math.round(t)),
    planCpuMsMedian: Math.round([...cpu].sort((a, b) => a - b)[2]!),
    planMsBest: Math.round(Math.min(...timings)),
    loadAverage: loadavg().map((x) => Number(x.toFixed(1))),
    fixturePeakRssMB: mb(maxRssAfterBuild),
    rssBeforePlanMB: mb(rssBefore),
    heapBeforePlanMB: mb(heapBefore),
    peakRssDuringPlanMB: mb(peak),
    peakRssMB: mb(Math.max(peak, maxRss)),
    goal: 'plan < 1000 ms, peak RSS < 300 MB',
  };
  console.log(JSON.stringify(result, null, 2));
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await run();
