// `wecom-sync simulator`: runs the WeCom contact-API simulator in the foreground.
import { writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Command } from 'commander';
import { STRICT_CHOICES } from '../../wecom/rules/choices.js';
import { READINGS, type Reading } from '../../wecom/rules/fields.js';
import { parseBudgetWindow, parseDurationMs } from '../../wecom/transport/budget-text.js';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

class UsageError extends Error {}

export interface SimulatorCliOptions {
  host: string;
  port: string;
  http?: boolean;
  caOut?: string;
  corp: string[];
  extattr: string[];
  callback: string[];
  trustedIp: string[];
  legacyTrustedIp: string[];
  refuseIdLists?: boolean;
  reading?: string;
  refuseUnknownFields?: boolean;
  tokenTtl?: string;
  rateLimit: string;
  rateLimitHour: string;
  rateBlock: string;
  wrongSecretLimit: string;
  state?: string;
  latency?: string;
  faultRate?: string;
  faultKind?: string;
  choices?: boolean;
}

/** `N[/WINDOW]`: e.g. 10000/60s, 100/1s, 5/500ms, 600/1m; a bare window number is seconds; default window `defaultWindowMs`. */
export function parseRateLimit(text: string, flag = '--rate-limit', defaultWindowMs = 60_000): { count: number; windowMs: number } {
  const r = parseBudgetWindow(text, defaultWindowMs);
  if ('error' in r) throw new UsageError(`${flag} ${r.error}`);
  return r;
}

function parseDuration(text: string, flag: string): number {
  const r = parseDurationMs(text);
  if (typeof r !== 'number') throw new UsageError(`${flag} ${r.error}`);
  return r;
}

function intOption(name: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw new UsageError(`${name} "${text}": expected an integer in ${min}..${max}`);
  return Number(text);
}

const mask = (secret: string): string => (secret.length <= 4 ? '****' : `${secret.slice(0, 2)}${'*'.repeat(Math.min(12, secret.length - 4))}${secret.slice(-2)}`);

export function parseSimulatorOptions(o: SimulatorCliOptions): {
  options: import('../../simulator/index.js').SimulatorOptions;
  demo: boolean;
} {
  const port = intOption('--port', o.port, 0, 65535);
  const corpSpecs = o.corp.length ? o.corp : ['ww-demo:demo-secret'];
  const corps = corpSpecs.map((spec) => {
    const i = spec.indexOf(':');
    if (i <= 0 || i === spec.length - 1) throw new UsageError(`--corp "${spec}": expected CORPID:SECRET`);
    return {
      corpid: spec.slice(0, i),
      secret: spec.slice(i + 1),
      extattrs: [] as Array<{ name: string; type: 'text' | 'web' | 'miniprogram' }>,
      callback: undefined as undefined | { url: string; token: string; encodingAesKey: string },
    };
  });
  if (new Set(corps.map((c) => c.corpid)).size !== corps.length) throw new UsageError('--corp: the same corpid is given twice');
  for (const spec of o.extattr) {
    const m = /^([^:]+):(.+):(text|web|miniprogram)$/.exec(spec);
    if (!m) throw new UsageError(`--extattr "${spec}": expected CORPID:NAME:text|web|miniprogram`);
    const corp = corps.find((c) => c.corpid === m[1]);
    if (!corp) throw new UsageError(`--extattr "${spec}": corp ${m[1]} is not given with --corp`);
    corp.extattrs.push({ name: m[2] as string, type: m[3] as 'text' | 'web' | 'miniprogram' });
  }
  for (const spec of o.callback) {
    const [corpid, url, token, key, ...rest] = spec.split(',');
    if (!corpid || !url || token === undefined || !key || rest.length) throw new UsageError(`--callback "${spec}": expected CORPID,URL,TOKEN,AESKEY`);
    const corp = corps.find((c) => c.corpid === corpid);
    if (!corp) throw new UsageError(`--callback "${spec}": corp ${corpid} is not given with --corp`);
    if (!/^https?:\/\/\S+$/.test(url)) throw new UsageError(`--callback: "${url}" is not an http(s) URL`);
    if (!/^[A-Za-z0-9]{43}$/.test(key)) throw new UsageError('--callback: the EncodingAESKey must be 43 letters or digits');
    corp.callback = { url, token, encodingAesKey: key };
  }
  for (const ip of [...o.trustedIp, ...o.legacyTrustedIp]) if (!isIP(ip)) throw new UsageError(`trusted IP "${ip}" is not an IP address`);
  const options: import('../../simulator/index.js').SimulatorOptions = {
    host: o.host,
    port,
    https: !o.http,
    corps,
    trustedIps: o.trustedIp,
    legacyTrustedIps: o.legacyTrustedIp,
    refuseIdLists: o.refuseIdLists ?? false,
    rateLimit: parseRateLimit(o.rateLimit),
    reading: parseReading(o.reading ?? 'current'),
    refuseUnknownFields: o.refuseUnknownFields ?? false,
    rateLimitHour: o.rateLimitHour.trim() === 'off' ? null : parseRateLimit(o.rateLimitHour, '--rate-limit-hour', 3_600_000),
    rateBlockMs: parseDuration(o.rateBlock, '--rate-block'),
    wrongSecretLimit: parseRateLimit(o.wrongSecretLimit, '--wrong-secret-limit', 3_600_000),
  };
  if (o.tokenTtl !== undefined) options.tokenTtlSeconds = intOption('--token-ttl', o.tokenTtl, 1, 10 * 365 * 24 * 3600);
  if (o.latency !== undefined) options.latencyMs = intOption('--latency', o.latency, 0, 600_000);
  if (o.faultRate !== undefined) {
    const p = Number(o.faultRate);
    if (o.faultRate.trim() === '' || !(p >= 0 && p <= 1)) throw new UsageError(`--fault-rate "${o.faultRate}": expected a number in 0..1`);
    options.faultRate = p;
  }
  if (o.faultKind !== undefined) {
    if (!['errcode', 'http502', 'reset', 'mixed'].includes(o.faultKind))
      throw new UsageError(`--fault-kind "${o.faultKind}": expected errcode, http502, reset or mixed`);
    options.faultKind = o.faultKind as 'errcode' | 'http502' | 'reset' | 'mixed';
  }
  if (o.state) options.stateFile = o.state;
  return { options, demo: o.corp.length === 0 };
}

function parseReading(text: string): Reading {
  if (!(READINGS as readonly string[]).includes(text)) throw new UsageError(`--reading "${text}": expected ${READINGS.join(' or ')}`);
  return text as Reading;
}

/** The choices, those where `--reading strict` differs first (what the readings change), then the rest. */
export function printChoices(out: (line: string) => void): void {
  const differ = STRICT_CHOICES.filter((c) => c.strict !== undefined);
  out(`Where the readings differ (default: current documentation; --reading strict: the older or stricter reading):`);
  for (const c of differ) {
    out(`• ${c.topic}`);
    out(`    sources: ${c.sources}`);
    out(`    default: ${c.choice}`);
    out(`    strict:  ${c.strict}`);
  }
  out('');
  out('The same in both readings:');
  for (const c of STRICT_CHOICES.filter((x) => x.strict === undefined)) {
    out(`• ${c.topic}`);
    out(`    sources: ${c.sources}`);
    out(`    choice:  ${c.choice}`);
  }
}

export function registerSimulatorCommand(program: Command): void {
  program
    .command('simulator')
    .description('Run the WeCom contact-API simulator (HTTPS with a self-signed certificate unless --http)')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = any free port)', '19443')
    .option('--http', 'serve plain HTTP instead of HTTPS')
    .option('--ca-out <file>', 'write the generated certificate (PEM) to this file for clients to trust')
    .option('--corp <corpid:secret>', 'a simulated company (repeatable); default: a demo company', collect, [])
    .option('--extattr <corpid:name:type>', 'an extended attribute configured for a company, type text, web or miniprogram (repeatable)', collect, [])
    .option('--callback <corpid,url,token,aeskey>', 'contact-change and batch-result event receiver of a company (repeatable)', collect, [])
    .option('--trusted-ip <ip>', 'an IP trusted after 2022-08-15: writes and id lists, detail reads answer 48009 (repeatable)', collect, [])
    .option('--legacy-trusted-ip <ip>', 'an IP trusted before 2022-08-15: full reads (repeatable)', collect, [])
    .option('--refuse-id-lists', 'newly trusted IPs also get 48009 from user/list_id and department/simplelist')
    .option('--reading <reading>', 'which reading of WeCom\'s documentation the rules follow where sources disagree: current (default) or strict (the older limits)')
    .option('--refuse-unknown-fields', 'answer request fields WeCom does not know with 40058 instead of ignoring them as WeCom does (catches misspelt fields)')
    .option('--token-ttl <seconds>', 'access token lifetime (default 7200)')
    .option('--rate-limit <n[/window]>', 'the minute budget: calls per company and API per sliding window, e.g. 10000/60s, 200/1s', '10000/60s')
    .option('--rate-limit-hour <n[/window]>', 'the hour budget per company and API ("off" = none); exceeding it blocks the API for this window', '150000/1h')
    .option('--rate-block <duration>', 'how long exceeding the minute budget blocks that API for that company, e.g. 60s, 1s', '60s')
    .option('--wrong-secret-limit <n[/window]>', 'wrong-secret gettoken calls from one IP that block gettoken from that IP for the window', '2000/1h')
    .option('--state <file>', 'load state from this JSON file on start, save it on stop')
    .option('--latency <ms>', 'latency added to every /cgi-bin answer')
    .option('--fault-rate <p>', 'probability (0..1) of an injected fault per /cgi-bin call')
    .option('--fault-kind <kind>', 'errcode (-1 system busy), http502, reset or mixed')
    .option('--choices', 'print how the simulator reads WeCom\'s documentation (where the readings differ first) and exit')
    .action(async (o: SimulatorCliOptions) => {
      if (o.choices) {
        printChoices((l) => process.stdout.write(`${l}\n`));
        return;
      }
      let parsed: ReturnType<typeof parseSimulatorOptions>;
      try {
        parsed = parseSimulatorOptions(o);
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        process.stderr.write(`wecom-sync simulator: ${e.message}\n`);
        process.exit(2);
      }
      const { startSimulator } = await import('../../simulator/index.js');
      const { options, demo } = parsed;
      const running = await startSimulator(options);
      if (running.caPem && o.caOut) writeFileSync(o.caOut, running.caPem);
      const lines: string[] = [];
      const say = (line: string): void => void lines.push(line);
      say(`WeCom simulator listening on ${running.url}`);
      if (running.caPem) {
        if (o.caOut) say(`CA certificate written to ${o.caOut}`);
        else say('CA certificate: self-signed, not written (use --ca-out FILE to trust it from clients)');
      } else say('plain HTTP (no TLS)');
      for (const c of options.corps)
        say(
          `corp ${c.corpid} secret ${mask(c.secret)}${c.extattrs?.length ? ` extattrs ${c.extattrs.map((a) => `${a.name}:${a.type}`).join(',')}` : ''}${c.callback ? ` callback ${c.callback.url}` : ''}`,
        );
      if (demo) say('no --corp given: using the demo company ww-demo with secret demo-secret');
      if (!options.trustedIps?.length && !options.legacyTrustedIps?.length) say('trusted IPs: any caller, full reads (no --trusted-ip given)');
      else {
        say(`trusted IPs (new, detail reads refused): ${options.trustedIps?.join(', ') || 'none'}`);
        say(`trusted IPs (legacy, full reads): ${options.legacyTrustedIps?.join(', ') || 'none'}`);
      }
      const hour = options.rateLimitHour ? `, ${options.rateLimitHour.count} per ${options.rateLimitHour.windowMs} ms (over: blocked for that window)` : '';
      say(`rate limit: ${options.rateLimit?.count} calls per ${options.rateLimit?.windowMs} ms per company and API (over: blocked for ${options.rateBlockMs} ms)${hour}`);
      say(`reading: ${options.reading}${options.reading === 'strict' ? ' (the older limits where sources disagree)' : ' (current documentation)'}; unknown request fields ${options.refuseUnknownFields ? 'refused (40058)' : 'ignored'}`);
      if (options.stateFile) say(`state file: ${options.stateFile}`);
      if (options.latencyMs || options.faultRate) say(`faults: latency ${options.latencyMs ?? 0} ms, rate ${options.faultRate ?? 0} (${options.faultKind ?? 'errcode'})`);
      say('ready; stop with Ctrl+C (SIGINT) or SIGTERM');
      process.stdout.write(`${lines.join('\n')}\n`);
      process.stdout.on('error', () => undefined); // a closed pipe (e.g. `| head`) must not prevent a clean stop
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        process.stdout.write(`${signal}: stopping${options.stateFile ? ' and saving state' : ''}\n`);
        running.close().then(
          () => process.exit(0),
          (e: unknown) => {
            process.stderr.write(`error while stopping: ${(e as Error).message}\n`);
            process.exit(1);
          },
        );
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    });
}
