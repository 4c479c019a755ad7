// `wecom-sync source create|update|delete|list|show|test|pull`: directory sources the service pulls from
// (LDAP / Active Directory), on the store of the data directory (or DATABASE_URL).
//
//   wecom-sync source create ldap corp --url ldaps://dc1.corp.example:636 --bind-dn "CN=sync,OU=Service,DC=corp,DC=example" \
//       --bind-password-file ./bind.pw --base-dn "DC=corp,DC=example" [--ca-file ca.pem] [--json]
//   wecom-sync source update corp --bind-password-file ./new.pw     (any create option; the bind is tested again)
//   wecom-sync source delete corp                                    (what it imported stays)
//   wecom-sync source pull corp [--full] [--approve] [--json]
//       {"organizations":{created,updated,deleted,unchanged},"accounts":{created,updated,disabled,deleted,unchanged},"errors":[{dn,message}]}
//
// `create` stores the source and tests the bind; it does not pull. The bind password is read from a
// file once (its trailing line break is not part of it), stored encrypted, and never printed.
// Exit codes: 0 ok; 1 failed (server unreachable, bind refused) or a pull with bad entries (every
// good entry imported); 2 bad input; 3 a pull held for approval (nothing applied).
import fs from 'node:fs';
import { type Command, Option } from 'commander';
import { SecretBox } from '../../connections/index.js';
import { FLAVORS, type Flavor, type LdapSettings, PullHeldError, type SourceView, Sources } from '../../connectors/ldap/index.js';
import { DEFAULT_SAFETY } from '../../connectors/ldap/settings.js';
import { Directory } from '../../directory/directory.js';
import { resolveDataDir } from '../../store/config.js';
import { EXIT_FAILED, EXIT_HELD, EXIT_OK, UsageError, action, dataDirOption, usageExits, withStore } from '../shared.js';
import { readFileText } from '../input.js';

interface CommonOptions {
  json?: boolean;
  dataDir?: string;
}

interface CreateOptions extends CommonOptions {
  url: string;
  bindDn?: string;
  bindPasswordFile?: string;
  baseDn: string;
  userFilter?: string;
  orgFilter?: string;
  caFile?: string;
  starttls?: boolean;
  flavor?: Flavor;
  parentOrganization?: string;
  interval?: string;
  safetyMinimum?: string;
  safetyFraction?: string;
}

const withSources = <T>(dataDir: string | undefined, fn: (s: Sources) => Promise<T>): Promise<T> =>
  withStore(dataDir, (store) => fn(new Sources(new Directory(store), SecretBox.fromEnvironment({ dataDir: resolveDataDir({ dataDir }) }))));

/** The bind password file: its content without one trailing line break (CRLF or LF). */
function readPasswordFile(file: string): string {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the bind password from ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const value = text.replace(/^\uFEFF/, '').replace(/\r?\n$/, '');
  if (value === '') throw new UsageError(`the bind password file ${file} is empty`);
  if (/[\r\n]/.test(value)) throw new UsageError(`the bind password file ${file} must hold one line`);
  return value;
}

function wholeNumber(text: string | undefined, option: string, min: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim()) || Number(text) < min) throw new UsageError(`${option} must be a whole number ≥ ${min}, got "${text}"`);
  return Number(text);
}

/** The settings the options give (for update: only those given; safety merged with `before`). */
function settingsFrom(opts: Partial<CreateOptions> & { starttls?: boolean }, before?: LdapSettings): Partial<LdapSettings> {
  const ca = opts.caFile ? readFileText(opts.caFile, 'the CA certificate') : undefined;
  const fraction = opts.safetyFraction === undefined ? undefined : Number(opts.safetyFraction);
  if (fraction !== undefined && !(fraction >= 0 && fraction <= 1)) throw new UsageError(`--safety-fraction must be a number from 0 to 1, got "${opts.safetyFraction}"`);
  const minimum = wholeNumber(opts.safetyMinimum, '--safety-minimum', 0);
  const safety = before?.safety ?? DEFAULT_SAFETY;
  return {
    ...(opts.bindDn !== undefined ? { bindDn: opts.bindDn } : {}),
    ...(opts.userFilter ? { userFilter: opts.userFilter } : {}),
    ...(opts.orgFilter ? { orgFilter: opts.orgFilter } : {}),
    ...(ca ? { ca } : {}),
    ...(opts.starttls !== undefined ? { startTls: opts.starttls } : {}),
    ...(opts.flavor ? { flavor: opts.flavor } : {}),
    ...(opts.parentOrganization ? { parentOrganizationId: opts.parentOrganization } : {}),
    ...(opts.interval ? { intervalMinutes: wholeNumber(opts.interval, '--interval', 1)! } : {}),
    ...(fraction !== undefined || minimum !== undefined ? { safety: { maxFraction: fraction ?? safety.maxFraction, minimum: minimum ?? safety.minimum } } : {}),
  };
}

/** What `show`/`create` print: the settings (no password: only whether one is stored). */
function describe(v: SourceView): Record<string, unknown> {
  const { ca, ...settings } = v.settings;
  return {
    name: v.name,
    kind: v.kind,
    ...settings,
    ca: ca === null ? null : 'PEM (stored)',
    hasPassword: v.hasPassword,
    owned: v.owned,
    cursor: v.cursor,
    lastPull: v.lastPull,
    createdAt: v.createdAt,
  };
}

function printView(v: SourceView, json: boolean | undefined): void {
  if (json) {
    process.stdout.write(JSON.stringify(describe(v)) + '\n');
    return;
  }
  const s = v.settings;
  const lines = [
    `${v.name} (${v.kind}, ${s.flavor === 'ad' ? 'Active Directory' : 'OpenLDAP'})`,
    `  url:          ${s.url}${s.startTls ? ' + StartTLS' : ''}${s.ca ? ' (own CA)' : ''}`,
    `  bind:         ${s.bindDn || '(anonymous)'}${v.hasPassword ? ' (password stored)' : ''}`,
    `  base DN:      ${s.baseDn}`,
    `  user filter:  ${s.userFilter ?? '(default)'}`,
    `  org filter:   ${s.orgFilter ?? '(default)'}`,
    `  owns:         ${v.owned.organizations} organizations, ${v.owned.accounts} accounts`,
    `  interval:     ${s.intervalMinutes === null ? 'on demand' : `every ${s.intervalMinutes} min`}`,
    `  last pull:    ${v.lastPull ? `${v.lastPull.startedAt} ${v.lastPull.mode} ${v.lastPull.status}` : 'never'}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

export function registerSourceCommands(program: Command): void {
  const source = usageExits(program.command('source').description('directory sources pulled from LDAP or Active Directory'));
  const create = usageExits(source.command('create').description('create a source (stores it and tests the bind; does not pull)'));

  const settingOptions = (cmd: Command, creating: boolean): Command => {
    cmd = creating ? cmd.requiredOption('--url <url>', 'ldap://host[:port] or ldaps://host[:port]') : cmd.option('--url <url>', 'ldap://host[:port] or ldaps://host[:port]');
    cmd = cmd
      .option('--bind-dn <dn>', 'the DN to bind as (default: anonymous)')
      .option('--bind-password-file <file>', 'a file holding the bind password (read once; stored encrypted)');
    cmd = creating ? cmd.requiredOption('--base-dn <dn>', 'where to search') : cmd.option('--base-dn <dn>', 'where to search');
    cmd = cmd
      .option('--user-filter <filter>', 'which entries are people (default: (objectClass=inetOrgPerson); AD: (&(objectCategory=person)(objectClass=user)))')
      .option('--org-filter <filter>', 'which entries are organizations (default: (objectClass=organizationalUnit))')
      .option('--ca-file <file>', 'PEM of the CA of the server certificate (ldaps:// or StartTLS)')
      .option('--starttls', 'upgrade ldap:// with StartTLS before binding');
    if (!creating) cmd = cmd.option('--no-starttls', 'plain ldap:// (or ldaps://) without StartTLS');
    return cmd
      .addOption(new Option('--flavor <flavor>', creating ? 'server kind (default: detected from the root DSE)' : 'server kind').choices([...FLAVORS]))
      .option('--parent-organization <id>', 'put the top organizational units (and entries outside every OU) under this organization')
      .option('--interval <minutes>', 'pull every this many minutes while the service runs')
      .option('--safety-minimum <n>', 'a pull may always delete or disable this many accounts (default 5)')
      .option('--safety-fraction <f>', '… or this fraction of the accounts the source owns, whichever is more (default 0.1)')
      .option('--json', 'print the source as JSON')
      .addOption(dataDirOption());
  };

  usageExits(settingOptions(create.command('ldap <name>').description('an LDAP or Active Directory source'), true)).action(
    action(async (name: string, opts: CreateOptions) => {
      if (opts.bindDn && !opts.bindPasswordFile) throw new UsageError('--bind-dn needs --bind-password-file');
      if (opts.bindPasswordFile && !opts.bindDn) throw new UsageError('--bind-password-file needs --bind-dn (without both, the source binds anonymously)');
      const password = opts.bindPasswordFile ? readPasswordFile(opts.bindPasswordFile) : null;
      const view = await withSources(opts.dataDir, (s) => s.create(name, { url: opts.url, baseDn: opts.baseDn, ...settingsFrom(opts) }, password));
      if (!opts.json) process.stdout.write('Created; the bind worked. Pull with: wecom-sync source pull ' + view.name + '\n');
      printView(view, opts.json);
      return EXIT_OK;
    }),
  );

  usageExits(settingOptions(source.command('update <name>').description('change a source (the bind is tested again; the password only with --bind-password-file)'), false)).action(
    action(async (name: string, opts: Partial<CreateOptions> & { starttls?: boolean }) => {
      const password = opts.bindPasswordFile ? readPasswordFile(opts.bindPasswordFile) : undefined;
      const view = await withSources(opts.dataDir, async (s) => {
        const before = (await s.show(name)).settings;
        const patch = settingsFrom(opts, before);
        return s.update(name, { ...(opts.url ? { url: opts.url } : {}), ...(opts.baseDn ? { baseDn: opts.baseDn } : {}), ...patch }, password);
      });
      if (!opts.json) process.stdout.write('Updated; the bind worked.\n');
      printView(view, opts.json);
      return EXIT_OK;
    }),
  );

  usageExits(source.command('delete <name>').description('delete a source (what it imported stays in the directory, owned by no source)').addOption(dataDirOption())).action(
    action(async (name: string, opts: CommonOptions) => {
      await withSources(opts.dataDir, (s) => s.remove(name));
      process.stdout.write(`Deleted source "${name}"; its organizations and accounts stay in the directory.\n`);
      return EXIT_OK;
    }),
  );

  usageExits(source.command('list').description('list the sources').option('--json', 'print JSON').addOption(dataDirOption())).action(
    action(async (opts: CommonOptions) => {
      const list = await withSources(opts.dataDir, (s) => s.list());
      if (opts.json) {
        process.stdout.write(JSON.stringify(list.map(describe)) + '\n');
        return EXIT_OK;
      }
      if (list.length === 0) process.stdout.write('No sources. Create one with: wecom-sync source create ldap NAME --url … --base-dn …\n');
      for (const v of list)
        process.stdout.write(`${v.name}\t${v.kind}/${v.settings.flavor}\t${v.settings.url}\t${v.owned.accounts} accounts\t${v.lastPull ? `${v.lastPull.status} ${v.lastPull.startedAt}` : 'never pulled'}\n`);
      return EXIT_OK;
    }),
  );

  usageExits(source.command('show <name>').description('show a source (never its password)').option('--json', 'print JSON').addOption(dataDirOption())).action(
    action(async (name: string, opts: CommonOptions) => {
      printView(await withSources(opts.dataDir, (s) => s.show(name)), opts.json);
      return EXIT_OK;
    }),
  );

  usageExits(source.command('test <name>').description('bind and count what the filters match').option('--json', 'print JSON').addOption(dataDirOption())).action(
    action(async (name: string, opts: CommonOptions) => {
      const r = await withSources(opts.dataDir, (s) => s.test(name));
      if (opts.json) process.stdout.write(JSON.stringify(r) + '\n');
      else process.stdout.write(`${r.ok ? 'ok' : 'FAILED'}: ${r.message}\n`);
      return r.ok ? EXIT_OK : EXIT_FAILED;
    }),
  );

  usageExits(
    source
      .command('pull <name>')
      .description('pull now: a delta since the last pull (deletions always found), or a full pass')
      .option('--full', 'read every entry, not only those changed since the last pull')
      .option('--approve', 'apply even when the pull deletes or disables more than the safety threshold')
      .option('--json', 'print {"organizations","accounts","errors"}')
      .addOption(dataDirOption()),
  ).action(
    action(async (name: string, opts: CommonOptions & { full?: boolean; approve?: boolean }) => {
      let r;
      try {
        r = await withSources(opts.dataDir, (s) => s.pull(name, { full: opts.full === true, approve: opts.approve === true }));
      } catch (err) {
        if (!(err instanceof PullHeldError)) throw err;
        if (opts.json) process.stdout.write(JSON.stringify({ held: true, message: err.message, ...err.preview }) + '\n');
        process.stderr.write(`held: ${err.message}\n`);
        return EXIT_HELD;
      }
      if (opts.json) process.stdout.write(JSON.stringify({ organizations: r.organizations, accounts: r.accounts, errors: r.errors }) + '\n');
      else {
        const o = r.organizations;
        const a = r.accounts;
        process.stdout.write(
          `${r.mode} pull of "${name}": organizations ${o.created} created, ${o.updated} updated, ${o.deleted} deleted, ${o.unchanged} unchanged; ` +
            `accounts ${a.created} created, ${a.updated} updated, ${a.disabled} disabled, ${a.deleted} deleted, ${a.unchanged} unchanged\n`,
        );
        for (const e of r.errors) process.stdout.write(`  skipped ${e.dn}: ${e.message}\n`);
      }
      return r.errors.length > 0 ? EXIT_FAILED : EXIT_OK;
    }),
  );
}
