// The demo's row in the store (migration 0005) and the rule that keeps its sample company out of
// real connections. Light on purpose: the CLI reads it without loading the simulator.
import type { DB, Tx } from '../store/store.js';
import { SAMPLE_COMPANY_NAME } from './sample-company.js';

export const DEMO_ROW_ID = 'demo';

/** The active demo (see src/store/tables/demo.ts). */
export interface DemoRecord {
  /** '' while the demo is being set up (before its connection exists). */
  connectionId: string;
  corpId: string;
  rootOrganizationId: string;
  organizationIds: string[];
  accountIds: string[];
  createdAt: string;
}

/** The active demo's row, or null. */
export async function readDemo(db: DB | Tx): Promise<DemoRecord | null> {
  const r = await db.selectFrom('demo').selectAll().where('id', '=', DEMO_ROW_ID).executeTakeFirst();
  if (!r) return null;
  return {
    connectionId: r.connection_id,
    corpId: r.corp_id,
    rootOrganizationId: r.root_organization_id,
    organizationIds: JSON.parse(r.organization_ids) as string[],
    accountIds: JSON.parse(r.account_ids) as string[],
    createdAt: r.created_at,
  };
}

/** Why a connection's scope conflicts with the active demo: a stable code, its parameters, and an English default. */
export interface DemoScopeConflict {
  /**
   * `demo-active.whole-directory`: a real connection over the whole directory (would take in the sample company);
   * `demo-active.sample-organization`: a real connection whose scope names a sample organization (params.organizationId);
   * `demo-active.outside-sample`: the demo's own connection reaching beyond the sample company (params.organizationId, absent = the whole directory).
   */
  code: 'demo-active.whole-directory' | 'demo-active.sample-organization' | 'demo-active.outside-sample';
  params: Record<string, string>;
  /** English, for the CLI and API clients; names no REST call (the console shows its own Remove demo button). */
  message: string;
}

/**
 * Why a connection syncing these scope roots ([] = the whole directory) may not be saved while the
 * demo (`record`) is active, or null. A real connection may not take in the sample company (the
 * whole directory, or a sample organization: sample people would reach a real WeCom); the demo's own
 * connection (`connectionId` is the demo's) must stay inside it (a real directory's objects are never
 * sent to the demo's simulator).
 */
export function demoScopeConflict(record: DemoRecord | null, organizationRoots: readonly string[], connectionId: string | null = null): DemoScopeConflict | null {
  if (!record) return null;
  const company = SAMPLE_COMPANY_NAME;
  const sample = new Set(record.organizationIds);
  if (connectionId !== null && connectionId === record.connectionId) {
    if (organizationRoots.length === 0)
      return { code: 'demo-active.outside-sample', params: { company }, message: `the demo's connection syncs only the sample company "${company}"; its scope may not include the whole directory` };
    const outside = organizationRoots.find((id) => !sample.has(id));
    return outside === undefined
      ? null
      : { code: 'demo-active.outside-sample', params: { company, organizationId: outside }, message: `the demo's connection syncs only the sample company "${company}"; its scope may not include organization ${outside}` };
  }
  if (organizationRoots.length === 0)
    return {
      code: 'demo-active.whole-directory',
      params: { company },
      message: `the demo is active: a connection over the whole directory would sync the sample company "${company}" into WeCom; remove the demo first, or limit the connection's scope to your own organizations`,
    };
  const hit = organizationRoots.find((id) => sample.has(id));
  return hit
    ? {
        code: 'demo-active.sample-organization',
        params: { company, organizationId: hit },
        message: `organization ${hit} belongs to the demo's sample company "${company}"; a real connection may not include it: remove the demo first, or leave it out of the connection's scope`,
      }
    : null;
}
