// The in-process simulator: companies (each with its models), tokens, trusted-IP policy,
// rate limits, faults, the call log and persistence. The HTTP layer (responses.ts) is a thin
// shell around this class; tests may inspect and seed it directly.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { Errcode } from '../wecom/errors/catalog.js';
import { STRICT_CHOICES } from '../wecom/rules/choices.js';
import { READINGS, type Reading, type RuleOptions } from '../wecom/rules/fields.js';
import { SimError } from './errors.js';
import { Company, type CompanySnapshot } from './models/company.js';
import { RateLimiter, WECOM_HOUR_LIMIT, WECOM_MINUTE_LIMIT, WECOM_WRONG_SECRET_LIMIT, WrongSecretGuard, type RateLimit, type Refusal } from './ratelimit.js';
import { CallbackSender, type CallbackDelivery, type CallbackTarget } from './callbacks.js';
import type { AdminEditApi, CreatorConfig } from './models/company.js';

export interface SimulatorCorp {
  corpid: string;
  secret: string;
  /** root department name (default 总公司) */
  name?: string;
  extattrs?: Array<{ name: string; type: 'text' | 'web' | 'miniprogram' }>;
  /** contacts-sync event receiver (optional; see Company.adminEdit and batch_job_result) */
  callback?: CallbackTarget & { fullMemberEvents?: boolean };
  /** the company's creator, an activated member of the root department that cannot be deleted (default userid "creator") */
  creator?: CreatorConfig;
}

export type FaultKind = 'errcode' | 'http502' | 'reset' | 'mixed';

export interface Faults {
  latencyMs?: number;
  faultRate?: number;
  faultKind?: FaultKind;
}

/** Which reading of WeCom's documentation the rules follow, and whether unknown request fields are refused. */
export interface Rules {
  /** default 'current' (today's documentation); 'strict' = the older or stricter reading (see STRICT_CHOICES) */
  reading?: Reading;
  /** answer unknown request fields with 40058 instead of ignoring them as WeCom does (a test aid); default false */
  refuseUnknownFields?: boolean;
}

export interface SimulatorConfig extends Faults, Rules {
  corps: SimulatorCorp[];
  trustedIps?: string[];
  legacyTrustedIps?: string[];
  refuseIdLists?: boolean;
  tokenTtlSeconds?: number;
  /** per company and API, the minute budget (default 10,000 per 60 s) */
  rateLimit?: RateLimit;
  /** per company and API, the hour budget (default 150,000 per hour; null = none); exceeding it blocks the API for its window */
  rateLimitHour?: RateLimit | null;
  /** how long exceeding the minute budget blocks the API (default 60 s) */
  rateBlockMs?: number;
  /** wrong-secret gettoken calls from one IP that block gettoken from it for the window (default 2,000 per hour) */
  wrongSecretLimit?: RateLimit;
  /** clock (ms since epoch); tests inject one to slide rate-limit windows and expire tokens/media */
  now?: () => number;
  /** random source in [0,1) for fault injection */
  random?: () => number;
  /** how many calls `calls` keeps (oldest dropped first); default 100,000 */
  maxCalls?: number;
}

interface CallRecord {
  at: number;
  api: string;
  corpid: string | null;
  ip: string;
  /** errcode answered; null when no WeCom answer was sent (a transport fault: HTTP 502 or reset; or HTTP 404 for an unknown path) */
  errcode: number | null;
  fault?: 'errcode' | 'http502' | 'reset';
}

interface SimulatorStats {
  /** gettoken calls per corpid (every call naming a configured corpid, successful or not) */
  gettoken: Record<string, number>;
  /** calls answered 45009 */
  rateLimited: number;
  /** calls per API path (e.g. "user/create") */
  byApi: Record<string, number>;
  /** calls per errcode */
  byErrcode: Record<string, number>;
  total: number;
}

type IpPolicy = 'full' | 'strict' | 'untrusted';

interface TokenRecord {
  corpid: string;
  expiresAt: number;
  expired: boolean;
}

export const normaliseIp = (ip: string | undefined): string => (ip ?? '').replace(/^::ffff:/i, '');

export class Simulator {
  readonly calls: CallRecord[] = [];
  readonly limiter: RateLimiter;
  readonly wrongSecrets: WrongSecretGuard;
  private readonly sender: CallbackSender;
  faults: Required<Faults>;
  private readonly companies = new Map<string, Company>();
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly currentToken = new Map<string, string>();
  private counters = { gettoken: {} as Record<string, number>, rateLimited: 0, byApi: {} as Record<string, number>, byErrcode: {} as Record<string, number>, total: 0 };
  private jobsPaused = false;
  private jobWaiters: Array<() => void> = [];
  readonly now: () => number;
  readonly random: () => number;
  private readonly trusted: ReadonlySet<string>;
  private readonly legacy: ReadonlySet<string>;
  private ruleState: Required<Rules>;

  constructor(readonly config: SimulatorConfig) {
    this.ruleState = Simulator.checkedRules({ reading: config.reading ?? 'current', refuseUnknownFields: config.refuseUnknownFields ?? false });
    this.now = config.now ?? Date.now;
    this.random = config.random ?? Math.random;
    this.limiter = new RateLimiter({
      minute: config.rateLimit ?? WECOM_MINUTE_LIMIT,
      hour: config.rateLimitHour === undefined ? WECOM_HOUR_LIMIT : config.rateLimitHour,
      blockMs: config.rateBlockMs ?? 60_000,
    });
    this.wrongSecrets = new WrongSecretGuard(config.wrongSecretLimit ?? WECOM_WRONG_SECRET_LIMIT);
    this.faults = { latencyMs: config.latencyMs ?? 0, faultRate: config.faultRate ?? 0, faultKind: config.faultKind ?? 'errcode' };
    this.trusted = new Set((config.trustedIps ?? []).map(normaliseIp));
    this.legacy = new Set((config.legacyTrustedIps ?? []).map(normaliseIp));
    this.sender = new CallbackSender(() => this.now());
    const hooks = {
      now: () => this.now(),
      rules: (): RuleOptions => this.ruleState,
      jobGate: () => this.jobGate(),
      sendCallback: (target: CallbackTarget, corpid: string, event: 'change_contact' | 'batch_job_result', xml: string, changeType?: string) =>
        this.sender.send(target, corpid, { event, xml, ...(changeType ? { changeType } : {}) }),
    };
    for (const c of config.corps) {
      if (this.companies.has(c.corpid)) throw new Error(`corp ${c.corpid} is configured twice`);
      this.companies.set(c.corpid, new Company(c, hooks));
    }
  }

  // ------------------------------------------------------------------ companies

  /** The company with this corpid (throws for an unknown corpid). */
  company(corpid: string): Company {
    const c = this.companies.get(corpid);
    if (!c) throw new Error(`no simulated company ${corpid}`);
    return c;
  }

  hasCompany(corpid: string): boolean {
    return this.companies.has(corpid);
  }

  allCompanies(): Company[] {
    return [...this.companies.values()];
  }

  /** Seeds a department directly (same rules as department/create); returns its id. */
  seedDepartment(corpid: string, dept: { name: string; parentid?: number; id?: number; order?: number }): number {
    return this.company(corpid).seedDepartment(dept);
  }

  /**
   * Seeds a member directly (same rules as user/create). `useridGenerated` marks the userid as WeCom-generated
   * (new_userid allowed once); `status: 1` marks the member activated (mobile updates are then ignored).
   */
  seedMember(corpid: string, member: Record<string, unknown>, flags: { useridGenerated?: boolean; status?: 1 | 2 | 4 | 5 } = {}): void {
    this.company(corpid).seedMember(member, flags);
  }

  /** An edit made by hand in the admin console (same rules as the API); sends change_contact to the corp's callback. */
  adminEdit(corpid: string, api: AdminEditApi, body: Record<string, unknown>): { id?: number } {
    return this.company(corpid).adminEdit(api, body);
  }

  /** Callback deliveries (newest last), with status pending / delivered / failed. */
  get callbacks(): readonly CallbackDelivery[] {
    return this.sender.deliveries;
  }

  /** Resolves when all queued callbacks have been delivered or have failed. */
  waitForCallbacks(): Promise<void> {
    return this.sender.idle();
  }

  // ------------------------------------------------------------------ access policy

  ipPolicy(ip: string): IpPolicy {
    if (this.trusted.size === 0 && this.legacy.size === 0) return 'full';
    const n = normaliseIp(ip);
    if (this.legacy.has(n)) return 'full';
    if (this.trusted.has(n)) return 'strict';
    return 'untrusted';
  }

  get refuseIdLists(): boolean {
    return this.config.refuseIdLists ?? false;
  }

  /** Rate-limit admission for (corp, API) at arrival: null when admitted, else why it is refused. */
  admit(corpid: string, api: string): Refusal | null {
    return this.limiter.admit(`${corpid}\u0000${api}`, this.now());
  }

  /** What is blocked now, with the end of each block (ms): APIs as "corpid api", and IPs refused gettoken. */
  blocks(): { apis: Record<string, number>; ips: Record<string, number> } {
    const now = this.now();
    const apis = Object.fromEntries(Object.entries(this.limiter.blocked(now)).map(([k, until]) => [k.replace('\u0000', ' '), until]));
    return { apis, ips: this.wrongSecrets.blockedIps(now) };
  }

  // ------------------------------------------------------------------ tokens

  private get ttlMs(): number {
    return (this.config.tokenTtlSeconds ?? 7200) * 1000;
  }

  /** gettoken: returns the company's current token while it is valid, else a new one. */
  issueToken(corpid: string, secret: string): { access_token: string; expires_in: number } {
    const company = this.companies.get(corpid);
    if (!company) throw new SimError(Errcode.InvalidCorpid, `corpid ${corpid} is not known`);
    if (secret !== company.secret) throw new SimError(Errcode.InvalidCredential, 'the secret does not match the corpid');
    const now = this.now();
    const current = this.currentToken.get(corpid);
    const rec = current ? this.tokens.get(current) : undefined;
    if (current && rec && !rec.expired && rec.expiresAt > now)
      return { access_token: current, expires_in: Math.max(1, Math.floor((rec.expiresAt - now) / 1000)) };
    const token = randomBytes(96).toString('base64url');
    this.tokens.set(token, { corpid, expiresAt: now + this.ttlMs, expired: false });
    this.currentToken.set(corpid, token);
    return { access_token: token, expires_in: Math.floor(this.ttlMs / 1000) };
  }

  /** The company a token belongs to; 41001 missing, 40014 unknown/revoked, 42001 expired. */
  authenticate(token: string | undefined): Company {
    if (token === undefined || token === '') throw new SimError(Errcode.MissingAccessToken, 'access_token must be in the query string');
    const rec = this.tokens.get(token);
    if (!rec) throw new SimError(Errcode.InvalidAccessToken, 'access_token is not known (or was revoked)');
    if (rec.expired || rec.expiresAt <= this.now()) throw new SimError(Errcode.AccessTokenExpired, 'access_token has expired');
    return this.company(rec.corpid);
  }

  /** Current tokens (of one corp or all) answer 42001 from now on; gettoken issues new ones. */
  expireTokens(corpid?: string): number {
    let n = 0;
    for (const rec of this.tokens.values())
      if ((!corpid || rec.corpid === corpid) && !rec.expired) {
        rec.expired = true;
        n++;
      }
    return n;
  }

  /** Current tokens (of one corp or all) answer 40014 from now on. */
  revokeTokens(corpid?: string): number {
    let n = 0;
    for (const [token, rec] of this.tokens)
      if (!corpid || rec.corpid === corpid) {
        this.tokens.delete(token);
        n++;
      }
    for (const c of [...this.currentToken.keys()]) if (!corpid || c === corpid) this.currentToken.delete(c);
    return n;
  }

  // ------------------------------------------------------------------ reading

  /** The reading and the unknown-field policy in force (settable at run time for tests, /_sim/rules). */
  get rules(): Required<Rules> {
    return { ...this.ruleState };
  }

  setRules(r: Rules): void {
    this.ruleState = Simulator.checkedRules({ ...this.ruleState, ...r });
  }

  private static checkedRules(r: Required<Rules>): Required<Rules> {
    if (!READINGS.includes(r.reading)) throw new Error(`reading must be ${READINGS.join(' or ')}`);
    if (typeof r.refuseUnknownFields !== 'boolean') throw new Error('refuseUnknownFields must be a boolean');
    return r;
  }

  // ------------------------------------------------------------------ faults, jobs

  setFaults(f: Faults): void {
    if (f.latencyMs !== undefined) {
      if (!(Number.isFinite(f.latencyMs) && f.latencyMs >= 0)) throw new Error('latencyMs must be ≥ 0');
      this.faults.latencyMs = f.latencyMs;
    }
    if (f.faultRate !== undefined) {
      if (!(f.faultRate >= 0 && f.faultRate <= 1)) throw new Error('faultRate must be in 0..1');
      this.faults.faultRate = f.faultRate;
    }
    if (f.faultKind !== undefined) {
      if (!['errcode', 'http502', 'reset', 'mixed'].includes(f.faultKind)) throw new Error('faultKind must be errcode, http502, reset or mixed');
      this.faults.faultKind = f.faultKind;
    }
  }

  /** Draws whether this call gets a fault, and which. */
  drawFault(): 'errcode' | 'http502' | 'reset' | null {
    const { faultRate, faultKind } = this.faults;
    if (faultRate <= 0 || this.random() >= faultRate) return null;
    if (faultKind !== 'mixed') return faultKind;
    const kinds = ['errcode', 'http502', 'reset'] as const;
    return kinds[Math.min(2, Math.floor(this.random() * 3))] as (typeof kinds)[number];
  }

  /** Holds batch jobs at their next step (status stays 1 or 2) until resumeJobs(). */
  pauseJobs(): void {
    this.jobsPaused = true;
  }

  resumeJobs(): void {
    this.jobsPaused = false;
    const waiters = this.jobWaiters;
    this.jobWaiters = [];
    for (const w of waiters) w();
  }

  private jobGate(): Promise<void> {
    if (!this.jobsPaused) return Promise.resolve();
    return new Promise((resolve) => this.jobWaiters.push(resolve));
  }

  /** Resolves when the job has finished. */
  waitForJob(corpid: string, jobid: string): Promise<void> {
    return this.company(corpid).jobs.waitFor(jobid);
  }

  // ------------------------------------------------------------------ call log and stats

  record(call: CallRecord): void {
    this.calls.push(call);
    const max = this.config.maxCalls ?? 100_000;
    if (this.calls.length > max) this.calls.splice(0, this.calls.length - max);
    const c = this.counters;
    c.total++;
    c.byApi[call.api] = (c.byApi[call.api] ?? 0) + 1;
    if (call.errcode !== null) c.byErrcode[String(call.errcode)] = (c.byErrcode[String(call.errcode)] ?? 0) + 1;
    if (call.errcode === Errcode.RateLimited) c.rateLimited++;
    if (call.api === 'gettoken' && call.corpid && this.companies.has(call.corpid))
      c.gettoken[call.corpid] = (c.gettoken[call.corpid] ?? 0) + 1;
  }

  stats(): SimulatorStats {
    const c = this.counters;
    return { gettoken: { ...c.gettoken }, rateLimited: c.rateLimited, byApi: { ...c.byApi }, byErrcode: { ...c.byErrcode }, total: c.total };
  }

  /** Back to the state after start: fresh companies, no tokens, no calls, the configured faults and reading. */
  reset(): void {
    for (const c of this.companies.values()) c.clear();
    this.tokens.clear();
    this.currentToken.clear();
    this.calls.length = 0;
    this.counters = { gettoken: {}, rateLimited: 0, byApi: {}, byErrcode: {}, total: 0 };
    this.limiter.clear();
    this.wrongSecrets.clear();
    this.faults = { latencyMs: this.config.latencyMs ?? 0, faultRate: this.config.faultRate ?? 0, faultKind: this.config.faultKind ?? 'errcode' };
    this.ruleState = Simulator.checkedRules({ reading: this.config.reading ?? 'current', refuseUnknownFields: this.config.refuseUnknownFields ?? false });
    this.resumeJobs();
  }

  choices(): typeof STRICT_CHOICES {
    return STRICT_CHOICES;
  }

  // ------------------------------------------------------------------ persistence

  snapshot(): { version: 1; companies: CompanySnapshot[] } {
    return { version: 1, companies: this.allCompanies().map((c) => c.snapshot()) };
  }

  /** Loads companies from a snapshot (companies not configured are ignored). */
  restore(data: { version: number; companies: CompanySnapshot[] }): void {
    if (data.version !== 1 || !Array.isArray(data.companies)) throw new Error('unsupported state file');
    for (const s of data.companies) this.companies.get(s.corpid)?.restore(s);
  }

  save(file: string): void {
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, JSON.stringify(this.snapshot()));
    renameSync(tmp, file);
  }

  load(file: string): boolean {
    if (!existsSync(file)) return false;
    this.restore(JSON.parse(readFileSync(file, 'utf8')) as { version: number; companies: CompanySnapshot[] });
    return true;
  }
}
