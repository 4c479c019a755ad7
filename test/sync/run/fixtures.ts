// Shared fixtures for executor and full-run tests (no vitest import: the crash child uses them too):
// a simulator over HTTPS, a client, a small directory in two versions.
import type { DesiredDepartment, DesiredMember, DesiredState } from '../../../src/domain/desired.js';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../../src/simulator/index.js';
import type { SyncConnection } from '../../../src/sync/stages/prepare.js';
import { createWeComClient, type WeComClient, type WeComClientOptions } from '../../../src/wecom/index.js';

export const CORP = { corpid: 'wwsync', secret: 'sync-secret' };
/**
 * The connection syncs under department 2; department 900 (with a member) is outside and must stay
 * untouched. (A high id: when WeCom refuses the department list, new ids are chosen blind from 3 up.)
 */
export const ROOT = 2;
export const OUTSIDE = 900;

export const connection = (over: Partial<SyncConnection> = {}): SyncConnection => ({
  id: 'conn_test',
  rootDepartmentId: ROOT,
  policies: { onAccountDeleted: 'delete', onAccountDisabled: 'disable', onOrganizationDeleted: 'delete' },
  safety: { maxDeletes: 1000, maxDeletePercent: 100 },
  ...over,
});

export async function startSim(opts: Partial<SimulatorOptions> = {}): Promise<RunningSimulator> {
  // unknown request fields refused (WeCom ignores them): a field the product misspells fails here
  const s = await startSimulator({ port: 0, refuseUnknownFields: true, corps: [CORP], ...opts });
  s.sim.seedDepartment(CORP.corpid, { name: 'Sync root', id: ROOT });
  s.sim.seedDepartment(CORP.corpid, { name: 'Outside', id: OUTSIDE });
  s.sim.seedMember(CORP.corpid, { userid: 'outsider', name: 'Outsider', department: [OUTSIDE], mobile: '13900000001' });
  return s;
}

export function makeClient(s: { url: string; caPem?: string | undefined }, extra: Partial<WeComClientOptions> = {}): WeComClient {
  return createWeComClient({ corpId: CORP.corpid, secret: CORP.secret, apiBase: s.url, ca: s.caPem, retry: { baseDelayMs: 5, maxDelayMs: 50 }, ...extra });
}

const d = (key: string, name: string, parentKey: string | null): DesiredDepartment => ({ key, name, parentKey });

export function mobile(i: number): string {
  return `138${String(10_000_000 + i).slice(-8)}`;
}

const m = (i: number, departmentKeys: string[], extra: Partial<DesiredMember['fields']> = {}): DesiredMember => ({
  key: `acc_${i}`,
  userid: `user${i}`,
  departmentKeys,
  fields: { name: `Person ${i}`, mobile: mobile(i), email: `p${i}@example.com`, position: 'Staff', enable: 1, ...extra },
});

/** Five departments (two levels), ten members, some in two departments. */
export function smallTree(): DesiredState {
  return {
    departments: [
      d('org_eng', 'Engineering', null),
      d('org_be', 'Backend', 'org_eng'),
      d('org_fe', 'Frontend', 'org_eng'),
      d('org_sales', 'Sales', null),
      d('org_emea', 'EMEA', 'org_sales'),
    ],
    members: [
      m(1, ['org_eng']),
      m(2, ['org_be']),
      m(3, ['org_be', 'org_fe']),
      m(4, ['org_fe']),
      m(5, ['org_sales']),
      m(6, ['org_emea', 'org_sales']),
      m(7, ['org_emea']),
      m(8, ['org_eng', 'org_sales']),
      m(9, ['org_be']),
      m(10, ['org_fe'], { position: 'Lead' }),
    ],
  };
}

/** A second version of the directory: renames, moves, a leaver, a joiner, changed fields. */
export function smallTreeV2(): DesiredState {
  const v1 = smallTree();
  const departments = v1.departments
    .filter((x) => x.key !== 'org_fe')
    .map((x) => (x.key === 'org_be' ? { ...x, name: 'Platform' } : x.key === 'org_emea' ? { ...x, parentKey: 'org_eng' } : x));
  departments.push(d('org_ops', 'Operations', 'org_eng'));
  const members: DesiredMember[] = v1.members
    .filter((x) => x.key !== 'acc_4' && x.key !== 'acc_10')
    .map((x) => {
      const keys = (x.departmentKeys ?? []).filter((k) => k !== 'org_fe');
      return { ...x, departmentKeys: keys.length > 0 ? keys : ["org_ops"], fields: x.key === 'acc_2' ? { ...x.fields, position: 'Senior' } : x.fields };
    });
  members.push(m(11, ['org_ops']), m(12, ['org_ops', 'org_be']));
  return { departments, members };
}

