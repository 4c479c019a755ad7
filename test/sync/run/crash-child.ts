// The child process of the crash test: one full run against the simulator of the parent process.
// It prints one line per executor/runner event; with HALT_AT=k it freezes at the k-th event (after
// printing "HALT k") so the parent can kill -9 it at exactly that point.
//   env: STORE_FILE (SQLite) or PG_URL + PG_SCHEMA (PostgreSQL), SIM_URL, CA_PEM, DESIRED=v1|v2, HALT_AT?
import fs from 'node:fs';
import { openStore } from '../../../src/store/store.js';
import { runFullSync } from './pipeline.js';
import { connection, makeClient, smallTree, smallTreeV2 } from './fixtures.js';

const say = (line: string): void => {
  fs.writeSync(1, line + '\n'); // synchronous: the line is out before we freeze
};

const haltAt = process.env.HALT_AT ? Number(process.env.HALT_AT) : undefined;
let n = 0;
const store = await openStore(
  process.env.PG_URL ? { kind: 'postgres', url: process.env.PG_URL, schema: process.env.PG_SCHEMA! } : { kind: 'sqlite', file: process.env.STORE_FILE! },
);
const client = makeClient({ url: process.env.SIM_URL!, caPem: process.env.CA_PEM });
const desired = process.env.DESIRED === 'v2' ? smallTreeV2() : smallTree();
const report = await runFullSync({
  store,
  client,
  connection: connection(),
  desired,
  concurrency: Number(process.env.CONCURRENCY ?? 4),
  onEvent: (e) => {
    n++;
    say(`EVENT ${n} ${e.type} ${'opId' in e ? e.opId : ''}`);
    if (n === haltAt) {
      say(`HALT ${n}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // frozen until killed
    }
  },
});
say(`DONE ${report.status} ${report.summary.total}`);
await client.close();
await store.close();
