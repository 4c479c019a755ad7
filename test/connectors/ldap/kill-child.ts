// The child process of the kill -9 test: one pull of source "corp" on a PostgreSQL schema.
//   env: PG_URL, PG_SCHEMA, SECRET_KEY (base64)
import { SecretBox } from '../../../src/connections/crypto.js';
import { Sources } from '../../../src/connectors/ldap/index.js';
import { Directory } from '../../../src/directory/directory.js';
import { openStore } from '../../../src/store/store.js';

const store = await openStore({ kind: 'postgres', url: process.env.PG_URL!, schema: process.env.PG_SCHEMA! });
const sources = new Sources(new Directory(store), SecretBox.fromKey(Buffer.from(process.env.SECRET_KEY!, 'base64')));
const r = await sources.pull('corp');
process.stdout.write(`DONE ${JSON.stringify(r.accounts)}\n`);
await store.close();
