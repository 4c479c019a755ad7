// `wecom-sync scim create|token|list|revoke`: SCIM endpoints for identity providers, on the store
// of the data directory (or DATABASE_URL) — before the first start of the service or while it
// runs. `create` and `token` print a token once; only its SHA-256 is stored.
//
//   wecom-sync scim create entra --json     {"name":"entra","path":"/scim/v2/entra","token":"wsc_…"}
//   wecom-sync scim token entra --json      another token, same shape
//   wecom-sync scim list [--json]
//   wecom-sync scim revoke entra TOKEN_ID
import { type Command, Option } from 'commander';
import { ORGANIZATION_MODES, ScimEndpoints } from '../../connectors/scim/index.js';
import type { OrganizationMode } from '../../connectors/scim/settings.js';
import { Directory } from '../../directory/directory.js';
import { EXIT_OK, FailedError, action, dataDirOption, usageExits, withStore } from '../shared.js';

interface CommonOptions {
  json?: boolean;
  dataDir?: string;
}

const withEndpoints = <T>(dataDir: string | undefined, fn: (e: ScimEndpoints) => Promise<T>): Promise<T> => withStore(dataDir, (store) => fn(new ScimEndpoints(store, new Directory(store))));

function printIssued(r: { name: string; path: string; token: string }, json: boolean | undefined, verb: string): void {
  if (json) {
    process.stdout.write(JSON.stringify({ name: r.name, path: r.path, token: r.token }) + '\n');
    return;
  }
  process.stdout.write(
    `${verb} SCIM endpoint "${r.name}".\n` +
      `  Tenant URL / SCIM connector base URL: <this service's URL>${r.path}\n` +
      `  Secret token / API token (shown only now): ${r.token}\n`,
  );
}

export function registerScimCommands(program: Command): void {
  const scim = usageExits(program.command('scim').description('SCIM 2.0 endpoints through which identity providers (Entra ID, Okta, …) feed the directory'));

  usageExits(
    scim
      .command('create <name>')
      .description('create a SCIM endpoint and its first token (printed once)')
      .addOption(new Option('--mode <mode>', 'how SCIM becomes organizations').choices([...ORGANIZATION_MODES]))
      .option('--default-organization <id>', 'where users without a department or group go (default: a top-level organization named after the endpoint)')
      .option('--parent-organization <id>', 'where the organizations the endpoint creates go (default: top level)')
      .option('--token-name <name>', 'what the token is for (the audit log names it)', 'default')
      .option('--json', 'print {"name","path","token"}')
      .addOption(dataDirOption()),
  ).action(
    action(async (name: string, opts: CommonOptions & { mode?: OrganizationMode; defaultOrganization?: string; parentOrganization?: string; tokenName: string }) => {
      const organizations = { ...(opts.mode ? { mode: opts.mode } : {}), ...(opts.parentOrganization ? { parentId: opts.parentOrganization } : {}) };
      const r = await withEndpoints(opts.dataDir, (e) =>
        e.create(name, { ...(opts.defaultOrganization ? { defaultOrganizationId: opts.defaultOrganization } : {}), organizations }, opts.tokenName),
      );
      printIssued({ name: r.endpoint.name, path: r.endpoint.path, token: r.token }, opts.json, 'Created');
      return EXIT_OK;
    }),
  );

  usageExits(
    scim
      .command('token <name>')
      .description('issue another token for a SCIM endpoint (printed once)')
      .option('--token-name <name>', 'what the token is for', 'default')
      .option('--json', 'print {"name","path","token"}')
      .addOption(dataDirOption()),
  ).action(
    action(async (name: string, opts: CommonOptions & { tokenName: string }) => {
      const r = await withEndpoints(opts.dataDir, (e) => e.issueToken(name, opts.tokenName));
      printIssued({ name: r.endpoint.name, path: r.endpoint.path, token: r.token }, opts.json, 'A new token for');
      return EXIT_OK;
    }),
  );

  usageExits(scim.command('list').description('list the SCIM endpoints').option('--json', 'print JSON').addOption(dataDirOption())).action(
    action(async (opts: CommonOptions) => {
      const list = await withEndpoints(opts.dataDir, (e) => e.list());
      if (opts.json) {
        process.stdout.write(JSON.stringify(list.map((e) => ({ name: e.name, path: e.path, mode: e.settings.organizations.mode, users: e.users, groups: e.groups, activeTokens: e.activeTokens }))) + '\n');
        return EXIT_OK;
      }
      if (list.length === 0) process.stdout.write('No SCIM endpoints. Create one with: wecom-sync scim create NAME\n');
      for (const e of list) process.stdout.write(`${e.name}\t${e.path}\t${e.settings.organizations.mode}\t${e.users} users\t${e.groups} groups\t${e.activeTokens} active tokens\n`);
      return EXIT_OK;
    }),
  );

  usageExits(scim.command('revoke <name> <tokenId>').description('revoke a token of a SCIM endpoint: it stops working at once').addOption(dataDirOption())).action(
    action(async (name: string, tokenId: string, opts: CommonOptions) => {
      const t = await withEndpoints(opts.dataDir, (e) => e.revokeToken(name, tokenId));
      if (!t) throw new FailedError(`SCIM endpoint "${name}" has no token ${tokenId} (wecom-sync scim list shows the endpoints; the console lists their tokens)`);
      process.stdout.write(`Revoked token "${t.name}" (${t.id}) of "${name}".\n`);
      return EXIT_OK;
    }),
  );
}
