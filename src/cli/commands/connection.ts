// Connection commands: `connection create|update|list|show|test|delete`.
// Secrets are read from a file or stdin, never from the command line (shell history, `ps`).
// Exit codes: 0 ok; 1 the operation failed (a test-connection check failed, unknown connection,
// store or secret key unusable); 2 bad input (options, invalid field values, unreadable files).
import { type Command, Option } from 'commander';
import {
  ConnectionValidationError,
  Connections,
  SecretBox,
  SecretDecryptError,
  SecretKeyError,
  testConnection,
  type ConnectionTestResult,
} from '../../connections/index.js';
import {
  ON_ACCOUNT_DELETED,
  ON_ACCOUNT_DISABLED,
  ON_ORGANIZATION_DELETED,
  connectionBudget,
  corpIdWarnings,
  type Connection,
  type ConnectionPatch,
  type ExtAttrConfig,
  type OnAccountDeleted,
  type OnAccountDisabled,
  type OnOrganizationDeleted,
} from '../../domain/connection.js';
import { demoScopeConflict, readDemo } from '../../demo/state.js';
import { formatBudgetWindow } from '../../wecom/transport/budget-text.js';
import { effectiveDefinition } from '../../sync/stages/mapping.js';
import { resolveDataDir } from '../../store/config.js';
import type { Store } from '../../store/store.js';
import {
  EXIT_FAILED,
  EXIT_OK,
  type ErrorMapper,
  FailedError,
  UsageError,
  action as sharedAction,
  dataDirOption,
  usageExits,
  withStore,
} from '../shared.js';
import { readFileText, readSecret } from '../input.js';


interface CommonOptions {
  dataDir?: string;
  json?: boolean;
}

interface SettingsOptions extends CommonOptions {
  name?: string;
  corpId?: string;
  secretFile?: string;
  secretStdin?: boolean;
  secret?: string;
  rootDepartment?: string;
  defaultDepartment?: string;
  clearDefaultDepartment?: boolean;
  extattr?: string[];
  clearExtattrs?: boolean;
  proxy?: string;
  clearProxy?: boolean;
  proxyUser?: string;
  clearProxyUser?: boolean;
  proxyPasswordFile?: string;
  proxyPasswordStdin?: boolean;
  proxyPassword?: string;
  clearProxyPassword?: boolean;
  proxyCaFile?: string;
  clearProxyCa?: boolean;
  apiBase?: string;
  caFile?: string;
  clearCa?: boolean;
  rateBudget?: string;
  clearRateBudget?: boolean;
  rateShare?: string;
  scope?: string[];
  clearScope?: boolean;
  onAccountDeleted?: string;
  onAccountDisabled?: string;
  onOrganizationDeleted?: string;
  maxDeletes?: string;
  maxDeletePercent?: string;
  mappingFile?: string;
  clearMapping?: boolean;
}



/** Invalid fields, one per line. */
const connectionErrors: ErrorMapper = (err) =>
  err instanceof ConnectionValidationError ? `the connection is not valid:\n${err.errors.map((e) => `  ${e.field}: ${e.message}`).join('\n')}` : undefined;

function action<A extends unknown[]>(fn: (...args: A) => Promise<number>): (...args: A) => Promise<void> {
  return sharedAction(fn, connectionErrors);
}

async function withConnections<T>(dataDir: string | undefined, fn: (c: Connections, box: SecretBox, store: Store) => Promise<T>): Promise<T> {
  return withStore(dataDir, (store) => {
    const box = SecretBox.fromEnvironment({ dataDir: resolveDataDir({ dataDir }) });
    return fn(new Connections(store, box), box, store);
  });
}

/** While the serve-hosted demo is active, a connection mixing its sample company with a real WeCom (or the reverse) is refused. */
async function refuseDemoScope(store: Store, roots: readonly string[], connectionId: string | null): Promise<void> {
  const why = demoScopeConflict(await readDemo(store.db), roots, connectionId);
  if (why) throw new UsageError(`${why.message} (the demo is removed in the console of \`wecom-sync serve\`: Connections → Remove demo)`);
}

// ------------------------------------------------------------------ reading options

function parsePositiveInt(text: string, option: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) throw new UsageError(`${option} must be a positive whole number, got "${text}"`);
  return Number(text);
}

function parseNumber(text: string, option: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${option} must be a number, got "${text}"`);
  return n;
}

/** `NAME:text`, `NAME:text=EXPR`, `NAME:web=EXPR`. */
export function parseExtattrSpec(spec: string): ExtAttrConfig {
  const m = /^(.+?):(text|web)(?:=([\s\S]*))?$/.exec(spec);
  if (!m) throw new UsageError(`--extattr "${spec}": expected NAME:text or NAME:web, optionally followed by =EXPRESSION (e.g. 工号:text=attrs.employee_no)`);
  const out: ExtAttrConfig = { name: (m[1] as string).trim(), type: m[2] as 'text' | 'web' };
  if (m[3] !== undefined) {
    if (m[3].trim() === '') throw new UsageError(`--extattr "${spec}": the expression after "=" is empty`);
    out.expression = m[3];
  }
  return out;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

function buildPatch(o: SettingsOptions, creating: boolean): ConnectionPatch {
  if (o.secret !== undefined || o.proxyPassword !== undefined)
    throw new UsageError(
      'secrets are never accepted on the command line (they would end up in shell history and process lists); use --secret-file FILE or --secret-stdin, and --proxy-password-file FILE or --proxy-password-stdin',
    );
  const clash = (a: unknown, b: unknown, names: string): void => {
    if (a !== undefined && a !== false && b) throw new UsageError(`${names} cannot be used together`);
  };
  clash(o.defaultDepartment, o.clearDefaultDepartment, '--default-department and --clear-default-department');
  clash(o.extattr, o.clearExtattrs, '--extattr and --clear-extattrs');
  clash(o.proxy, o.clearProxy, '--proxy and --clear-proxy');
  clash(o.proxyUser, o.clearProxyUser, '--proxy-user and --clear-proxy-user');
  clash(o.proxyPasswordFile ?? (o.proxyPasswordStdin || undefined), o.clearProxyPassword, '--proxy-password-file/--proxy-password-stdin and --clear-proxy-password');
  clash(o.caFile, o.clearCa, '--ca-file and --clear-ca');
  clash(o.proxyCaFile, o.clearProxyCa, '--proxy-ca-file and --clear-proxy-ca');
  clash(o.rateBudget, o.clearRateBudget, '--rate-budget and --clear-rate-budget');
  clash(o.scope, o.clearScope, '--scope and --clear-scope');
  clash(o.mappingFile, o.clearMapping, '--mapping-file and --clear-mapping');

  const p: ConnectionPatch = {};
  if (o.name !== undefined) p.name = o.name;
  if (o.corpId !== undefined) p.corpId = o.corpId;
  const secret = readSecret(o.secretFile, o.secretStdin, 'the secret', '--secret');
  if (secret !== undefined) p.secret = secret;
  else if (creating) throw new UsageError('the address-book sync secret is required: --secret-file FILE or --secret-stdin');
  if (o.rootDepartment !== undefined) p.rootDepartmentId = parsePositiveInt(o.rootDepartment, '--root-department');
  else if (creating) throw new UsageError('--root-department ID is required (the company root department is 1)');
  if (o.defaultDepartment !== undefined) p.defaultDepartmentId = parsePositiveInt(o.defaultDepartment, '--default-department');
  if (o.clearDefaultDepartment) p.defaultDepartmentId = null;
  if (o.extattr !== undefined) p.extattrs = o.extattr.map(parseExtattrSpec);
  if (o.clearExtattrs) p.extattrs = [];
  if (o.proxy !== undefined) p.proxies = o.proxy;
  if (o.clearProxy) {
    p.proxies = [];
    p.proxyUsername = null;
    p.proxyPassword = null;
    p.proxyCaPem = null;
  }
  if (o.proxyUser !== undefined) p.proxyUsername = o.proxyUser;
  if (o.clearProxyUser) {
    p.proxyUsername = null;
    p.proxyPassword = null;
  }
  const pw = readSecret(o.proxyPasswordFile, o.proxyPasswordStdin, 'the proxy password', '--proxy-password');
  if (pw !== undefined) p.proxyPassword = pw;
  if (o.clearProxyPassword) p.proxyPassword = null;
  if (o.apiBase !== undefined) p.apiBase = o.apiBase;
  if (o.caFile !== undefined) p.caPem = readFileText(o.caFile, 'the CA certificate');
  if (o.clearCa) p.caPem = null;
  if (o.proxyCaFile !== undefined) p.proxyCaPem = readFileText(o.proxyCaFile, 'the proxy CA certificate');
  if (o.clearProxyCa) p.proxyCaPem = null;
  if (o.rateBudget !== undefined) p.rateBudget = o.rateBudget;
  if (o.clearRateBudget) p.rateBudget = null;
  if (o.rateShare !== undefined) p.rateSharePercent = parseNumber(o.rateShare.replace(/%$/, ''), '--rate-share');
  if (o.scope !== undefined) p.scope = { organizationRoots: o.scope };
  if (o.clearScope) p.scope = { organizationRoots: [] };
  const policies: NonNullable<ConnectionPatch['policies']> = {};
  if (o.onAccountDeleted !== undefined) policies.onAccountDeleted = o.onAccountDeleted as OnAccountDeleted;
  if (o.onAccountDisabled !== undefined) policies.onAccountDisabled = o.onAccountDisabled as OnAccountDisabled;
  if (o.onOrganizationDeleted !== undefined) policies.onOrganizationDeleted = o.onOrganizationDeleted as OnOrganizationDeleted;
  if (o.maxDeletes !== undefined || o.maxDeletePercent !== undefined) {
    policies.safety = {};
    if (o.maxDeletes !== undefined) policies.safety.maxDeletes = parseNumber(o.maxDeletes, '--max-deletes');
    if (o.maxDeletePercent !== undefined) policies.safety.maxDeletePercent = parseNumber(o.maxDeletePercent.replace(/%$/, ''), '--max-delete-percent');
  }
  if (Object.keys(policies).length > 0) p.policies = policies;
  if (o.mappingFile !== undefined) {
    try {
      p.mapping = JSON.parse(readFileText(o.mappingFile, 'the mapping definition')) as unknown;
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`${o.mappingFile} is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (o.clearMapping) p.mapping = null;
  return p;
}

function settingsOptions(cmd: Command, creating: boolean): Command {
  const opt = (flags: string, desc: string): Option => new Option(flags, desc);
  cmd
    .addOption(creating ? opt('--name <name>', 'connection name (unique, case-insensitive)').makeOptionMandatory() : opt('--name <name>', 'rename the connection'))
    .addOption(creating ? opt('--corp-id <corpid>', 'WeCom company ID (My Company → Company ID), e.g. ww0123456789abcdef').makeOptionMandatory() : opt('--corp-id <corpid>', 'WeCom company ID'))
    .option('--secret-file <file>', 'file holding the address-book sync secret (first line)')
    .option('--secret-stdin', 'read the address-book sync secret from stdin')
    .addOption(new Option('--secret <value>').hideHelp())
    .option('--root-department <id>', 'WeCom root department ID (the company root is 1)')
    .option('--default-department <id>', 'WeCom department new members are placed in (overrides department mappings)')
    .option('--extattr <spec>', 'extended attribute NAME:text|web[=EXPRESSION]; repeat for several', collect)
    .option('--proxy <list>', 'proxies host:port (HTTP CONNECT) or https://host:port (reached over TLS), comma-separated, tried in order')
    .option('--proxy-user <user>', 'proxy login username')
    .option('--proxy-password-file <file>', 'file holding the proxy login password (first line)')
    .option('--proxy-password-stdin', 'read the proxy login password from stdin')
    .addOption(new Option('--proxy-password <value>').hideHelp())
    .option('--proxy-ca-file <file>', 'PEM CA certificate(s) to trust for https:// proxies')
    .option('--api-base <url>', 'WeCom API base URL (default https://qyapi.weixin.qq.com; http:// only for localhost)')
    .option('--ca-file <file>', 'PEM CA certificate(s) to trust for the API base (e.g. the simulator’s)')
    .option('--rate-share <percent>', "share of WeCom's per-API budget this connection may use, when other applications of the company call the same APIs (default 100)")
    .option('--rate-budget <n/window,…>', "advanced: WeCom's per-API budget itself, e.g. 200/1s for a simulator (default 10000/60s,150000/1h)")
    .option('--scope <orgId>', 'directory organization whose subtree is synced; repeat for several (default: all)', collect)
    .addOption(new Option('--on-account-deleted <policy>', 'when an account is deleted (default disable)').choices([...ON_ACCOUNT_DELETED]))
    .addOption(new Option('--on-account-disabled <policy>', 'when an account is disabled (default disable: enable=0)').choices([...ON_ACCOUNT_DISABLED]))
    .addOption(new Option('--on-organization-deleted <policy>', 'when an organization is deleted (default delete)').choices([...ON_ORGANIZATION_DELETED]))
    .option('--max-deletes <n>', 'stop a run that would delete or disable more than N objects (default 50)')
    .option('--max-delete-percent <p>', 'stop a run that would delete or disable more than P% of them (default 20)')
    .option('--mapping-file <file>', 'mapping definition JSON (default: the built-in definition)');
  if (!creating)
    cmd
      .option('--clear-default-department', 'remove the default department')
      .option('--clear-extattrs', 'remove every extended attribute')
      .option('--clear-proxy', 'call WeCom directly (removes proxies and proxy credentials)')
      .option('--clear-proxy-user', 'remove the proxy username and password')
      .option('--clear-proxy-password', 'remove the proxy password')
      .option('--clear-ca', 'trust only the system CAs again')
      .option('--clear-proxy-ca', 'trust only the system CAs for https:// proxies again')
      .option('--clear-rate-budget', "use WeCom's documented budget again")
      .option('--clear-scope', 'sync the whole directory')
      .option('--clear-mapping', 'use the built-in mapping definition');
  return cmd.option('--json', 'print the connection as JSON').addOption(dataDirOption());
}

// ------------------------------------------------------------------ printing

function showText(c: Connection): string {
  const yes = (b: boolean): string => (b ? 'set' : 'not set');
  const lines: Array<[string, string]> = [
    ['name', c.name],
    ['id', c.id],
    ['company ID', c.corpId],
    ['secret', yes(c.hasSecret)],
    ['root department', String(c.rootDepartmentId)],
    ['default department', c.defaultDepartmentId === null ? '(none)' : String(c.defaultDepartmentId)],
    ['extended attributes', c.extattrs.length === 0 ? '(none)' : c.extattrs.map((e) => `${e.name}:${e.type}${e.expression ? `=${e.expression}` : ''}`).join(', ')],
    ['proxies', c.proxies.length === 0 ? '(none: direct)' : c.proxies.join(', ')],
    ['proxy username', c.proxyUsername ?? '(none)'],
    ['proxy password', yes(c.hasProxyPassword)],
    ['proxy CA certificate', c.proxyCaPem ? 'custom' : 'system'],
    ['API base', c.apiBase],
    ['CA certificate', c.caPem ? 'custom' : 'system'],
    ['rate budget', `${connectionBudget(c).map(formatBudgetWindow).join(' and ')} per API${c.rateSharePercent < 100 ? ` (${c.rateSharePercent}% of ${c.rateBudget ? 'the override' : "WeCom's"})` : c.rateBudget ? ' (override)' : " (WeCom's)"}`],
    ['scope', c.scope.organizationRoots.length === 0 ? 'whole directory' : c.scope.organizationRoots.join(', ')],
    ['on account deleted', c.policies.onAccountDeleted],
    ['on account disabled', c.policies.onAccountDisabled],
    ['on organization deleted', c.policies.onOrganizationDeleted],
    ['safety threshold', `at most ${c.policies.safety.maxDeletes} deletions and ${c.policies.safety.maxDeletePercent}% per run`],
    ['mapping', c.mapping === null ? 'default' : 'custom'],
    ['version', String(c.version)],
    ['updated', c.updatedAt],
  ];
  const w = Math.max(...lines.map(([k]) => k.length));
  return lines.map(([k, v]) => `${(k + ':').padEnd(w + 1)} ${v}`).join('\n') + '\n';
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)));
  return rows.map((r) => r.map((c, i) => c + ' '.repeat(Math.max(0, widths[i]! - [...c].length))).join('  ').trimEnd()).join('\n') + '\n';
}

function printWarnings(c: Connection): string[] {
  const warnings = corpIdWarnings(c.corpId);
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  return warnings;
}

const MARK: Record<string, string> = { ok: '✓', failed: '✗', warning: '!', skipped: '-' };

function testText(name: string, r: ConnectionTestResult, lang: 'en' | 'zh'): string {
  const out = [`Testing connection "${name}"${r.route ? ` (${r.route === 'direct' ? 'direct' : `via proxy ${r.route}`})` : ''}:`];
  const w = Math.max(...r.checks.map((c) => c.name.length));
  for (const c of r.checks) out.push(`${MARK[c.status] ?? '?'} ${c.name.padEnd(w)}  ${c.message[lang]}`);
  if (r.egressIp) out.push(lang === 'zh' ? `企业微信看到的出口 IP：${r.egressIp}` : `Egress IP seen by WeCom: ${r.egressIp}`);
  out.push(
    r.ok
      ? lang === 'zh'
        ? '结果：连接可用。'
        : 'Result: the connection works.'
      : lang === 'zh'
        ? '结果：连接不可用，请按上面标 ✗ 的提示修正。'
        : 'Result: the connection does not work; fix the items marked ✗.',
  );
  return out.join('\n') + '\n';
}

// ------------------------------------------------------------------ commands

export function registerConnectionCommands(program: Command): void {
  const group = program.command('connection').description('WeCom connections: company ID, secret, root department, proxies, policies');

  usageExits(
    settingsOptions(group.command('create').description('Create a connection (secrets from files or stdin, stored encrypted)'), true).action(
      action(async (opts: SettingsOptions) => {
        const patch = buildPatch(opts, true);
        return withConnections(opts.dataDir, async (connections, _box, store) => {
          await refuseDemoScope(store, patch.scope?.organizationRoots ?? [], null);
          const c = await connections.create({ ...patch, name: patch.name ?? '', corpId: patch.corpId ?? '', secret: patch.secret ?? '', rootDepartmentId: patch.rootDepartmentId ?? 0 });
          const warnings = printWarnings(c);
          if (opts.json) process.stdout.write(JSON.stringify({ ...c, warnings }) + '\n');
          else process.stdout.write(`Created connection "${c.name}" (${c.id}). Check it with: wecom-sync connection test ${JSON.stringify(c.name)}\n`);
          return EXIT_OK;
        });
      }),
    ),
  );

  usageExits(
    settingsOptions(group.command('update').description('Change a connection; options not given keep their value').argument('<name>', 'connection name or id'), false).action(
      action(async (name: string, opts: SettingsOptions) => {
        const patch = buildPatch(opts, false);
        if (Object.keys(patch).length === 0) throw new UsageError('nothing to change: give at least one option (see --help)');
        return withConnections(opts.dataDir, async (connections, _box, store) => {
          if (patch.scope !== undefined) {
            const before = await connections.get(name);
            await refuseDemoScope(store, effectiveDefinition({ ...before, scope: { organizationRoots: patch.scope.organizationRoots ?? [] } }).scope.organizationRoots ?? [], before.id);
          }
          const c = await connections.update(name, patch);
          const warnings = patch.corpId !== undefined ? printWarnings(c) : [];
          if (opts.json) process.stdout.write(JSON.stringify({ ...c, warnings }) + '\n');
          else process.stdout.write(`Updated connection "${c.name}" (version ${c.version}).\n`);
          return EXIT_OK;
        });
      }),
    ),
  );

  usageExits(
    group
      .command('list')
      .description('List connections (secrets shown only as set / not set)')
      .option('--json', 'print a JSON array')
      .addOption(dataDirOption())
      .action(
        action(async (opts: CommonOptions) =>
          withConnections(opts.dataDir, async (connections, _box, store) => {
            const list = await connections.list();
            const demoId = (await readDemo(store.db))?.connectionId;
            if (opts.json) {
              process.stdout.write(JSON.stringify(list.map((c) => ({ ...c, demo: c.id === demoId }))) + '\n');
              return EXIT_OK;
            }
            if (list.length === 0) {
              process.stdout.write('No connections. Create one with: wecom-sync connection create --help\n');
              return EXIT_OK;
            }
            const rows = [['NAME', 'COMPANY ID', 'ROOT', 'PROXIES', 'SECRET', 'PROXY PASSWORD', 'API BASE']];
            for (const c of list)
              rows.push([
                c.id === demoId ? `${c.name} [demo]` : c.name,
                c.corpId,
                String(c.rootDepartmentId),
                c.proxies.length === 0 ? 'direct' : c.proxies.join(','),
                c.hasSecret ? 'set' : 'not set',
                c.hasProxyPassword ? 'set' : 'not set',
                c.apiBase,
              ]);
            process.stdout.write(table(rows));
            if (list.some((c) => c.id === demoId))
              process.stdout.write('\n[demo]: the first-start demo (sample company, built-in simulator) of `wecom-sync serve`; remove it there (console, or DELETE /api/v1/demo).\n');
            return EXIT_OK;
          }),
        ),
      ),
  );

  usageExits(
    group
      .command('show')
      .description('Show one connection (secrets shown only as set / not set)')
      .argument('<name>', 'connection name or id')
      .option('--json', 'print JSON')
      .addOption(dataDirOption())
      .action(
        action(async (name: string, opts: CommonOptions) =>
          withConnections(opts.dataDir, async (connections) => {
            const c = await connections.get(name);
            process.stdout.write(opts.json ? JSON.stringify(c) + '\n' : showText(c));
            return EXIT_OK;
          }),
        ),
      ),
  );

  usageExits(
    group
      .command('test')
      .description('Check the connection against WeCom: token through the proxies, root department, id lists, detail reads')
      .argument('<name>', 'connection name or id')
      .option('--json', 'print the result object')
      .addOption(new Option('--lang <lang>', 'language of the messages').choices(['en', 'zh']).default('en'))
      .addOption(dataDirOption())
      .action(
        action(async (name: string, opts: CommonOptions & { lang: 'en' | 'zh' }) =>
          withConnections(opts.dataDir, async (connections) => {
            const c = await connections.get(name);
            let options;
            try {
              options = await connections.clientOptions(c.id);
            } catch (err) {
              if (err instanceof SecretDecryptError || err instanceof SecretKeyError) throw new FailedError(err.message);
              throw err;
            }
            const result: ConnectionTestResult = await testConnection(options, c);
            process.stdout.write(opts.json ? JSON.stringify(result) + '\n' : testText(c.name, result, opts.lang));
            return result.ok ? EXIT_OK : EXIT_FAILED;
          }),
        ),
      ),
  );

  usageExits(
    group
      .command('delete')
      .description('Delete a connection and its stored secrets')
      .argument('<name>', 'connection name or id')
      .option('--yes', 'confirm the deletion')
      .addOption(dataDirOption())
      .action(
        action(async (name: string, opts: CommonOptions & { yes?: boolean }) => {
          if (!opts.yes) throw new UsageError(`add --yes to delete connection "${name}"`);
          return withConnections(opts.dataDir, async (connections, _box, store) => {
            const c = await connections.get(name);
            if (c.id === (await readDemo(store.db))?.connectionId)
              throw new UsageError(`connection "${c.name}" belongs to the demo: remove the demo in \`wecom-sync serve\` (the console, or DELETE /api/v1/demo), which also removes its sample company`);
            await connections.delete(c.id);
            process.stdout.write(`Deleted connection "${c.name}".\n`);
            return EXIT_OK;
          });
        }),
      ),
  );
}

