// Stage "prepare": a stored connection → what a run needs of it: the planner's view of the
// connection (settings, policies), its compiled mapping, and a WeCom client. Clients and compiled
// mappings are kept per connection version, so runs of an unchanged connection reuse the token
// cache, the rate limiter's windows and the proxy health of the previous run.
import { DEFAULT_POLICIES, type Connection } from '../../domain/connection.js';
import type { CompiledMapping, MatchingRules } from '../../mapping/definitions/index.js';
import { createWeComClient, type WeComClientOptions } from '../../wecom/index.js';
import type { SyncClient } from '../executor/index.js';
import type { PlannerSettings } from '../planner/types.js';
import { compileConnectionMapping } from './mapping.js';

/** What the sync needs to know of a connection. */
export interface SyncConnection {
  id: string;
  /** For reports; the id when absent. */
  name?: string;
  /** The company (WeCom corpid): new department ids are reserved per company (state/department-ids.ts); absent = this connection's own floor only. */
  corpId?: string;
  rootDepartmentId: number;
  defaultDepartmentId?: number;
  policies?: Partial<Pick<PlannerSettings, 'onAccountDeleted' | 'onAccountDisabled' | 'onOrganizationDeleted'>>;
  safety?: Partial<PlannerSettings['safety']>;
}

/** The WeCom client a connection syncs with (the real client, or anything shaped like it). */
export type ServiceClient = SyncClient & { close?: () => Promise<void> };

/** One connection ready to run: what the pipeline's stages read of it. */
export interface SyncTarget {
  connection: SyncConnection;
  client: SyncClient;
  /** The mapping's rules for adopting existing WeCom objects; absent = never adopt. */
  matching?: MatchingRules;
}

export interface PreparedConnection {
  connection: Connection;
  mapping: CompiledMapping;
  target: SyncTarget;
}

/** The planner's settings; what the connection leaves unset takes a new connection's defaults. */
export function plannerSettings(c: SyncConnection): PlannerSettings {
  return {
    rootDepartmentId: c.rootDepartmentId,
    ...(c.defaultDepartmentId !== undefined ? { defaultDepartmentId: c.defaultDepartmentId } : {}),
    onAccountDeleted: c.policies?.onAccountDeleted ?? DEFAULT_POLICIES.onAccountDeleted,
    onAccountDisabled: c.policies?.onAccountDisabled ?? DEFAULT_POLICIES.onAccountDisabled,
    onOrganizationDeleted: c.policies?.onOrganizationDeleted ?? DEFAULT_POLICIES.onOrganizationDeleted,
    safety: { ...DEFAULT_POLICIES.safety, ...c.safety },
  };
}

function toSyncConnection(c: Connection): SyncConnection {
  return {
    id: c.id,
    name: c.name,
    corpId: c.corpId,
    rootDepartmentId: c.rootDepartmentId,
    ...(c.defaultDepartmentId !== null ? { defaultDepartmentId: c.defaultDepartmentId } : {}),
    policies: { onAccountDeleted: c.policies.onAccountDeleted, onAccountDisabled: c.policies.onAccountDisabled, onOrganizationDeleted: c.policies.onOrganizationDeleted },
    safety: { ...c.policies.safety },
  };
}

export interface ConnectionSource {
  get(nameOrId: string): Promise<Connection>;
  clientOptions(nameOrId: string): Promise<WeComClientOptions>;
}

/** Prepares connections, keeping one client and one compiled mapping per connection version. */
export class Preparer {
  private readonly clients = new Map<string, { version: number; client: ServiceClient }>();
  private readonly mappings = new Map<string, { version: number; mapping: CompiledMapping }>();

  constructor(
    private readonly connections: ConnectionSource,
    private readonly clientFactory: (options: WeComClientOptions) => ServiceClient = createWeComClient,
  ) {}

  async prepare(nameOrId: string): Promise<PreparedConnection> {
    const connection = await this.connections.get(nameOrId);
    const mapping = this.compiledMapping(connection);
    const client = await this.client(connection);
    return { connection, mapping, target: { connection: toSyncConnection(connection), client, matching: mapping.definition.matching } };
  }

  /** The connection's compiled mapping (MappingConfigError when it does not compile). */
  compiledMapping(connection: Connection): CompiledMapping {
    let m = this.mappings.get(connection.id);
    if (!m || m.version !== connection.version) this.mappings.set(connection.id, (m = { version: connection.version, mapping: compileConnectionMapping(connection) }));
    return m.mapping;
  }

  async close(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map((c) => c.client.close?.().catch(() => {})));
  }

  private async client(connection: Connection): Promise<ServiceClient> {
    const cached = this.clients.get(connection.id);
    if (cached && cached.version === connection.version) return cached.client;
    await cached?.client.close?.().catch(() => {});
    const client = this.clientFactory(await this.connections.clientOptions(connection.id));
    this.clients.set(connection.id, { version: connection.version, client });
    return client;
  }
}
