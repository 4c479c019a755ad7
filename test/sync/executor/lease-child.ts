// The other process of the lease tests: a second executor of the same connection, against the
// parent's store and simulator. Commands arrive one per line on stdin; answers go to stdout.
//   steal <runId>   writes itself as the run's lease owner (no expiry check) → "STOLEN <owner>"
//   watch           takes over the connection's active run as soon as it is stale (as a second
//                   instance's resume would) → "TAKEN <runId> <owner>", and creates MARKER_FILE
//   resume          executes the run it holds to the end → "DONE <status>"
//   env: STORE_FILE (SQLite) or PG_URL + PG_SCHEMA (PostgreSQL), SIM_URL, CA_PEM, CONNECTION_ID, MARKER_FILE
import fs from 'node:fs';
import { createInterface } from 'node:readline';
import { openStore } from '../../../src/store/store.js';
import { executeRun } from '../../../src/sync/executor/executor.js';
import { activeRuns, isStale, newOwner, takeOver } from '../../../src/sync/state/runs.js';
import { makeClient } from '../run/fixtures.js';

const say = (line: string): void => void fs.writeSync(1, line + '\n');

const store = await openStore(
  process.env.PG_URL ? { kind: 'postgres', url: process.env.PG_URL, schema: process.env.PG_SCHEMA! } : { kind: 'sqlite', file: process.env.STORE_FILE! },
);
const client = makeClient({ url: process.env.SIM_URL!, caPem: process.env.CA_PEM });
const owner = newOwner();
const LEASE_MS = 60_000;
let held: string | undefined;

async function steal(runId: string): Promise<void> {
  await store.write((trx) => trx.updateTable('runs').set({ lease_owner: owner, lease_expires_at: new Date(Date.now() + LEASE_MS).toISOString() }).where('id', '=', runId).execute());
  held = runId;
  say(`STOLEN ${owner}`);
}

/** Polls the connection's active run until it is stale and the takeover (a compare-and-set) succeeds. */
async function watch(): Promise<void> {
  for (;;) {
    for (const run of await activeRuns(store.db, process.env.CONNECTION_ID!)) {
      if (!isStale(run) || !(await takeOver(store, run.id, owner, LEASE_MS))) continue;
      held = run.id;
      fs.writeFileSync(process.env.MARKER_FILE!, owner);
      say(`TAKEN ${run.id} ${owner}`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function resume(): Promise<void> {
  const r = await executeRun({ store, client, runId: held!, owner, leaseMs: LEASE_MS });
  say(`DONE ${r.status}`);
}

say('READY');
for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, arg] = line.split(' ');
  if (cmd === 'steal') await steal(arg!);
  else if (cmd === 'watch') await watch();
  else if (cmd === 'resume') await resume();
  else if (cmd === 'exit') break;
}
await client.close();
await store.close();
