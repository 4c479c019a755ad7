// WeCom contact-API simulator: public entry point. See simulator.ts for the in-process model
// and responses.ts for the /cgi-bin HTTP layer.
import { isIP } from 'node:net';
import fastifyMultipart from '@fastify/multipart';
import Fastify, { type FastifyInstance } from 'fastify';
import { generate } from 'selfsigned';
import { registerInspection } from './inspect.js';
import { registerCgi } from './responses.js';
import { Simulator, type Faults, type Rules, type SimulatorConfig, type SimulatorCorp } from './simulator.js';

export { Simulator } from './simulator.js';
export type { FaultKind, Faults, SimulatorConfig, Rules } from './simulator.js';
export type { SimulatorCorp };

export interface SimulatorOptions extends Faults, Rules {
  host?: string;
  port?: number;
  https?: boolean;
  corps: SimulatorCorp[];
  trustedIps?: string[];
  legacyTrustedIps?: string[];
  refuseIdLists?: boolean;
  tokenTtlSeconds?: number;
  /** per company and API, the minute budget (default 10,000 per 60 s) */
  rateLimit?: { count: number; windowMs: number };
  /** per company and API, the hour budget (default 150,000 per hour; null = none) */
  rateLimitHour?: { count: number; windowMs: number } | null;
  /** how long exceeding the minute budget blocks the API (default 60 s; the hour budget blocks for its window) */
  rateBlockMs?: number;
  /** wrong-secret gettoken calls from one IP that block gettoken from it for the window (default 2,000 per hour) */
  wrongSecretLimit?: { count: number; windowMs: number };
  stateFile?: string;
  /** injected clock (ms), for tests */
  now?: () => number;
  /** injected random source in [0,1), for fault tests */
  random?: () => number;
}

export interface RunningSimulator {
  url: string;
  port: number;
  caPem?: string;
  close(): Promise<void>;
  sim: Simulator;
}

/** A self-signed certificate for the simulator, with the SANs clients will use. */
export async function selfSignedCert(host: string): Promise<{ key: string; cert: string }> {
  const altNames: Array<{ type: 2 | 7; value?: string; ip?: string }> = [
    { type: 2, value: 'localhost' },
    { type: 7, ip: '127.0.0.1' },
    { type: 7, ip: '::1' },
  ];
  if (host !== 'localhost' && host !== '127.0.0.1' && host !== '0.0.0.0' && host !== '::')
    altNames.push(isIP(host) ? { type: 7, ip: host } : { type: 2, value: host });
  const notAfter = new Date(Date.now() + 365 * 24 * 3600 * 1000);
  const pems = await generate([{ name: 'commonName', value: 'wecom-sync simulator' }], {
    keySize: 2048,
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}

async function buildApp(sim: Simulator, opts: { stateFile?: string; tls?: { key: string; cert: string } }): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: 32 * 1024 * 1024,
    forceCloseConnections: true,
    ...(opts.tls ? { https: opts.tls } : {}),
  } as Parameters<typeof Fastify>[0]) as unknown as FastifyInstance;
  // Bodies are kept raw: WeCom reads JSON whatever the Content-Type says, and answers bad JSON with 40058.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  await app.register(fastifyMultipart);
  registerCgi(app, sim);
  registerInspection(app, sim, opts);
  return app;
}

export async function startSimulator(opts: SimulatorOptions): Promise<RunningSimulator> {
  const host = opts.host ?? '127.0.0.1';
  const https = opts.https ?? true;
  const config: SimulatorConfig = { ...opts };
  const sim = new Simulator(config);
  if (opts.stateFile) sim.load(opts.stateFile);
  const tls = https ? await selfSignedCert(host) : undefined;
  const app = await buildApp(sim, { ...(opts.stateFile ? { stateFile: opts.stateFile } : {}), ...(tls ? { tls } : {}) });
  await app.listen({ host, port: opts.port ?? 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (opts.port ?? 0);
  const urlHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : isIP(host) === 6 ? `[${host}]` : host;
  let closed = false;
  return {
    url: `${https ? 'https' : 'http'}://${urlHost}:${port}`,
    port,
    ...(tls ? { caPem: tls.cert } : {}),
    sim,
    async close() {
      if (closed) return;
      closed = true;
      sim.resumeJobs();
      await app.close();
      if (opts.stateFile) sim.save(opts.stateFile);
    },
  };
}
