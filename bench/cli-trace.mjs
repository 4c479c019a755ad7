// Preloaded (node --import) into a `wecom-sync` child by bench/cli-initial-sync.bench.ts when it
// traces. It changes nothing the command does; it only watches, from outside the sources, so the
// benchmark needs no hooks in src/:
//   - WeCom calls: undici's diagnostics channels (request queued, answer headers, TLS connections)
//   - the store: every better-sqlite3 statement, timed and classed by verb and table; commits
//   - start-up: when commander starts parsing (every module of the CLI loaded)
//   - output: first and last write to stdout, bytes written
//   - the event loop: utilisation and CPU time per second
//   - the end: store closed, what still holds the loop open afterwards, beforeExit, exit
// Times are performance.now() of the child (ms since its timeOrigin, which is written too). The
// trace is written as JSON to $WECOM_SYNC_BENCH_TRACE when the process exits.
// Plain JavaScript: it runs before tsx's loader is registered.
import diagnostics from 'node:diagnostics_channel';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const file = process.env.WECOM_SYNC_BENCH_TRACE;
const now = () => Math.round(performance.now() * 10) / 10;
const marks = {};
const mark = (name) => {
  if (!(name in marks)) marks[name] = now();
};
mark('preload');

// ------------------------------------------------------------------ WeCom calls
const calls = {}; // api -> { sent: [], answered: [] }
const apiOf = new WeakMap();
const apiName = (path) => {
  const m = /\/cgi-bin\/([^?]+)/.exec(path ?? '');
  return m ? m[1] : null;
};
diagnostics.subscribe('undici:request:create', ({ request }) => {
  const api = apiName(request.path);
  if (!api) return;
  apiOf.set(request, api);
  (calls[api] ??= { sent: [], answered: [] }).sent.push(now());
});
diagnostics.subscribe('undici:request:headers', ({ request }) => {
  const api = apiOf.get(request);
  if (api) calls[api].answered.push(now());
});
const connected = [];
diagnostics.subscribe('undici:client:connected', () => connected.push(now()));

// ------------------------------------------------------------------ the store
const require = createRequire(new URL('../package.json', import.meta.url));
const sqlite = {}; // class -> { n, ms, first, last, maxMs }
const commits = []; // [t, ms]
const begins = []; // t of every transaction start
const perSecond = []; // second -> sqlite ms
const classOf = (source) => {
  const s = source.trim().toLowerCase();
  const verb = /^\w+/.exec(s)?.[0] ?? '?';
  if (verb === 'begin' || verb === 'commit' || verb === 'rollback' || verb === 'pragma') return verb;
  const table = /(?:from|into|update|table|index)\s+"?(\w+)"?/.exec(s)?.[1] ?? '?';
  return `${verb} ${table}`;
};
try {
  const Database = require('better-sqlite3');
  const patched = new WeakSet();
  const timed = (fn) =>
    function (...args) {
      const t0 = performance.now();
      try {
        return fn.apply(this, args);
      } finally {
        const t1 = performance.now();
        const ms = t1 - t0;
        const cls = classOf(this.source);
        const c = (sqlite[cls] ??= { n: 0, ms: 0, first: Math.round(t0 * 10) / 10, last: 0, maxMs: 0 });
        c.n++;
        c.ms += ms;
        c.last = Math.round(t1 * 10) / 10;
        if (ms > c.maxMs) c.maxMs = ms;
        if (cls === 'commit') commits.push([Math.round(t1 * 10) / 10, Math.round(ms * 100) / 100]);
        else if (cls === 'begin') begins.push(Math.round(t0 * 10) / 10);
        const sec = Math.floor(t0 / 1000);
        perSecond[sec] = (perSecond[sec] ?? 0) + ms;
        if (!('store-first-statement' in marks)) marks['store-first-statement'] = Math.round(t0 * 10) / 10;
      }
    };
  const prepare = Database.prototype.prepare;
  Database.prototype.prepare = function (...args) {
    const t0 = performance.now();
    const stmt = prepare.apply(this, args);
    const c = (sqlite.prepare ??= { n: 0, ms: 0, first: Math.round(t0 * 10) / 10, last: 0, maxMs: 0 });
    c.n++;
    c.ms += performance.now() - t0;
    c.last = now();
    const proto = Object.getPrototypeOf(stmt);
    if (!patched.has(proto)) {
      patched.add(proto);
      for (const m of ['run', 'get', 'all', 'iterate']) proto[m] = timed(proto[m]);
    }
    return stmt;
  };
  const pragma = Database.prototype.pragma;
  Database.prototype.pragma = function (...args) {
    mark('store-open');
    return pragma.apply(this, args);
  };
  const close = Database.prototype.close;
  Database.prototype.close = function (...args) {
    const r = close.apply(this, args);
    marks['store-closed'] = now();
    afterClose();
    return r;
  };
} catch {
  // not the embedded store's process (e.g. better-sqlite3 missing): no store figures
}

// ------------------------------------------------------------------ start-up
try {
  const { Command } = require('commander');
  const parseAsync = Command.prototype.parseAsync;
  Command.prototype.parseAsync = function (...args) {
    mark('cli-parse');
    return parseAsync.apply(this, args);
  };
} catch {
  // no commander: no start-up mark
}

// ------------------------------------------------------------------ output
let stdoutBytes = 0;
const write = process.stdout.write;
process.stdout.write = function (chunk, ...rest) {
  mark('stdout-first');
  marks['stdout-last'] = now();
  stdoutBytes += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
  return write.call(this, chunk, ...rest);
};

// ------------------------------------------------------------------ the event loop
const elu = []; // [t, utilisation of the last second, CPU ms of the process in it]
let last = performance.eventLoopUtilization();
let lastCpu = process.cpuUsage();
setInterval(() => {
  const cur = performance.eventLoopUtilization();
  const cpu = process.cpuUsage(lastCpu);
  elu.push([now(), Math.round(performance.eventLoopUtilization(cur, last).utilization * 1000) / 1000, Math.round((cpu.user + cpu.system) / 1000)]);
  last = cur;
  lastCpu = process.cpuUsage();
}, 1000).unref();

// ------------------------------------------------------------------ the end
const holding = []; // [t, active resources] after the store closed
function afterClose() {
  const look = () => holding.push([now(), process.getActiveResourcesInfo()]);
  look();
  setInterval(look, 50).unref();
}
process.on('beforeExit', () => mark('beforeExit'));
process.on('exit', () => {
  marks.exit = now();
  if (!file) return;
  const round = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, { ...v, ms: Math.round(v.ms), maxMs: Math.round(v.maxMs * 10) / 10 }]));
  fs.writeFileSync(
    file,
    JSON.stringify({
      timeOrigin: performance.timeOrigin,
      marks,
      calls,
      connected,
      sqlite: round(sqlite),
      commits,
      begins,
      sqlitePerSecond: perSecond.map((v) => Math.round(v ?? 0)),
      elu,
      holding: holding.slice(0, 20),
      stdoutBytes,
      cpu: process.cpuUsage(),
      maxRssMB: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );
});
