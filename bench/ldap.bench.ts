// An LDAP source against slapd on this machine (test/helpers/slapd.ts): a full pull of N person
// entries in nested OUs (goal for 50,000: under 60 s and 500 MB), then a delta of 100 changes in
// those N (goal: under 2 s), then a delta with nothing changed; the embedded store (SQLite).
// Run: npm run bench -- ldap   (LDAP_BENCH_ENTRIES=5000 for a quicker run; default 50,000)
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { SecretBox } from '../src/connections/crypto.js';
import { Sources } from '../src/connectors/ldap/index.js';
import { Directory } from '../src/directory/directory.js';
import { openStore } from '../src/store/store.js';
import { READER_DN, READER_PASSWORD, ROOT_DN, ROOT_PASSWORD, SUFFIX, startSlapd } from '../test/helpers/slapd.js';

const N = Number(process.env.LDAP_BENCH_ENTRIES ?? 50_000);
const DEPARTMENTS = 50;

const ldif = (base: string): string => {
  const out: string[] = [`dn: ${base}\nobjectClass: organization\no: bench\n`];
  for (let d = 0; d < DEPARTMENTS; d++) out.push(`dn: ou=部门${d},${base}\nobjectClass: organizationalUnit\nou: 部门${d}\n`);
  for (let i = 0; i < N; i++)
    out.push(`dn: uid=user${i},ou=部门${i % DEPARTMENTS},${base}\nobjectClass: inetOrgPerson\nuid: user${i}\ncn: 员工${i}\nsn: 员\nmail: user${i}@example.cn\nmobile: +86 139${String(i).padStart(8, '0')}\ntitle: 工程师\n`);
  return out.join('\n');
};

export async function run(): Promise<Record<string, unknown>> {
  const slapd = await startSlapd();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wecom-sync-ldap-bench-'));
  const store = await openStore({ kind: 'sqlite', file: path.join(dir, 'bench.sqlite') });
  try {
    const base = `o=bench,${SUFFIX}`;
    const file = path.join(dir, 'bench.ldif');
    fs.writeFileSync(file, ldif(base));
    let t = performance.now();
    // asynchronously: slapd logs every operation to our pipe, which must keep draining meanwhile
    await promisify(execFile)('ldapadd', ['-x', '-H', slapd.url, '-D', ROOT_DN, '-w', ROOT_PASSWORD, '-f', file], { maxBuffer: 1 << 28 });
    const loadSeconds = (performance.now() - t) / 1000;
    console.log(`loaded ${N} entries into slapd in ${loadSeconds.toFixed(1)} s`);

    const sources = new Sources(new Directory(store), SecretBox.fromKey(Buffer.alloc(32, 1)));
    await sources.create('bench', { url: slapd.url, baseDn: base, bindDn: READER_DN }, READER_PASSWORD);
    const rssBefore = process.memoryUsage().rss;
    t = performance.now();
    const full = await sources.pull('bench');
    const fullSeconds = (performance.now() - t) / 1000;
    const peakMb = process.resourceUsage().maxRSS / 1024;
    console.log(`full pull: ${fullSeconds.toFixed(1)} s, peak RSS ${peakMb.toFixed(0)} MB (before: ${(rssBefore / 2 ** 20).toFixed(0)} MB); ${JSON.stringify(full.accounts)}`);

    for (let i = 0; i < 100; i++) await slapd.modify(`uid=user${i * Math.floor(N / 100)},ou=部门${(i * Math.floor(N / 100)) % DEPARTMENTS},${base}`, { title: '高级工程师' });
    t = performance.now();
    const delta = await sources.pull('bench');
    const deltaSeconds = (performance.now() - t) / 1000;
    console.log(`delta of 100 changes: ${deltaSeconds.toFixed(2)} s; ${JSON.stringify(delta.accounts)}`);
    t = performance.now();
    const idle = await sources.pull('bench');
    const idleSeconds = (performance.now() - t) / 1000;
    console.log(`delta with no change: ${idleSeconds.toFixed(2)} s; ${JSON.stringify(idle.accounts)}`);
    return { entries: N, loadSeconds, fullSeconds, peakMb: Math.round(peakMb), deltaSeconds, idleSeconds, full: full.accounts, delta: delta.accounts };
  } finally {
    await store.close();
    await slapd.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) console.log(await run());
