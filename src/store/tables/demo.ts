// Table shape of the first-start demo (migration 0005). Owned by src/demo.

/**
 * The active demo (one row, id 'demo'; none when no demo is active). The simulator's secret is not
 * stored: a new one is made whenever the simulator starts, and the demo connection's (encrypted)
 * secret is updated to match.
 */
export interface DemoTable {
  id: string;
  /** The demo's connection (connections.id, no foreign key: the demo removes it itself). */
  connection_id: string;
  /** The simulated company's corpid. */
  corp_id: string;
  /** The sample company's top organization (the demo connection's scope). */
  root_organization_id: string;
  /** JSON array: every organization the demo created, parents first. */
  organization_ids: string;
  /** JSON array: every account the demo created. */
  account_ids: string;
  created_at: string;
}

export interface DemoTables {
  demo: DemoTable;
}
