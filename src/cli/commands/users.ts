// `wecom-sync users list|create|reset-password|disable|enable`: the console's users, on the store of
// the data directory (or DATABASE_URL) — for the operator on the machine, with the service running
// or not. This is the way back in when the admin password is lost: `reset-password admin` prints a
// new one. A generated password is printed once, a chosen one read from stdin (never from the
// command line); password hashes are never printed. Every change is written to the audit log.
//
//   wecom-sync users list [--json]
//   wecom-sync users create NAME [--role admin|viewer] [--password-stdin] [--json]
//   wecom-sync users reset-password NAME [--password-stdin] [--json]
//   wecom-sync users disable NAME | enable NAME
//
// Exit codes: 0 ok; 1 unknown user or a store that cannot be opened; 2 bad usage or input (a short
// password, a taken username, disabling the last active admin).
import os from 'node:os';
import { type Command, Option } from 'commander';
import { AuditLog } from '../../audit/index.js';
import { AuthError, AuthService, type Role, randomPassword } from '../../auth/index.js';
import type { Store } from '../../store/store.js';
import { readSecret } from '../input.js';
import { EXIT_OK, type ErrorMapper, FailedError, action as sharedAction, dataDirOption, usageExits, withStore } from '../shared.js';

interface CommonOptions {
  json?: boolean;
  dataDir?: string;
}
interface PasswordOptions extends CommonOptions {
  passwordStdin?: boolean;
}

interface Ctx {
  auth: AuthService;
  store: Store;
  log: AuditLog;
}

/** A refused change in words for the command line: "the password must be …", "this is the last active admin; …". */
const userErrors: ErrorMapper = (err) => {
  if (!(err instanceof AuthError) || err.errors.length === 0) return undefined;
  const { field, message } = err.errors[0]!;
  return field === 'password' || field === 'username' ? `the ${field} ${message.replace(/^the username /, '')}` : message;
};

function action<A extends unknown[]>(fn: (...args: A) => Promise<number>): (...args: A) => Promise<void> {
  return sharedAction(fn, userErrors);
}

const withAuth = <T>(dataDir: string | undefined, fn: (c: Ctx) => Promise<T>): Promise<T> =>
  withStore(dataDir, (store) => fn({ auth: new AuthService(store), store, log: new AuditLog(store) }));

/** The audit log's actor for changes made here: the command line and the operating-system user. */
function actor(): { name: string; kind: 'system' } {
  let who: string;
  try {
    who = os.userInfo().username;
  } catch {
    who = 'unknown';
  }
  return { name: `command line (${who})`, kind: 'system' };
}

/** A user by username (any case) or id; an unknown one fails (exit 1) and says how to list them. */
async function userOf(c: Ctx, nameOrId: string): Promise<{ id: string; username: string; role: Role; disabled: boolean; createdAt: string }> {
  const byName = await c.auth.findUser(nameOrId);
  if (byName) return { id: byName.id, username: byName.username, role: byName.role, disabled: byName.disabled, createdAt: byName.createdAt };
  const byId = (await c.auth.listUsers()).find((u) => u.id === nameOrId);
  if (byId) return byId;
  throw new FailedError(`no user "${nameOrId}" (wecom-sync users list shows them)`);
}

/** The password to set: from stdin (first line) with --password-stdin, else a random one that is printed once. */
function passwordFrom(opts: PasswordOptions): { password: string; generated: boolean } {
  const given = opts.passwordStdin ? readSecret(undefined, true, 'the password', '--password') : undefined;
  return given !== undefined ? { password: given, generated: false } : { password: randomPassword(), generated: true };
}

function printPassword(opts: PasswordOptions, username: string, pw: { password: string; generated: boolean }, headline: string): void {
  if (opts.json) {
    process.stdout.write(JSON.stringify({ username, ...(pw.generated ? { password: pw.password } : {}) }) + '\n');
    return;
  }
  process.stdout.write(
    pw.generated
      ? `${headline} Its password (shown only now; sign in with it and change it in the console under your name → Change my password):\n\n    ${pw.password}\n\n`
      : `${headline} Its password is the one read from stdin.\n`,
  );
}

export function registerUsersCommands(program: Command): void {
  const users = usageExits(
    program.command('users').description('Users of the console and the API: list, create, reset a lost password, disable or enable (on the store directly)'),
  );

  usageExits(users.command('list').description('list the users (never their passwords)').option('--json', 'print a JSON array').addOption(dataDirOption())).action(
    action(async (opts: CommonOptions) => {
      const list = await withAuth(opts.dataDir, (c) => c.auth.listUsers());
      if (opts.json) {
        process.stdout.write(JSON.stringify(list) + '\n');
        return EXIT_OK;
      }
      if (list.length === 0) {
        process.stdout.write('No users. `wecom-sync serve` creates "admin" on its first start, or: wecom-sync users create NAME --role admin\n');
        return EXIT_OK;
      }
      const rows = [['USERNAME', 'ROLE', 'STATUS', 'CREATED', 'ID'], ...list.map((u) => [u.username, u.role, u.disabled ? 'disabled' : 'active', u.createdAt, u.id])];
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      process.stdout.write(rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n');
      return EXIT_OK;
    }),
  );

  usageExits(
    users
      .command('create <username>')
      .description('create a user; prints a generated password once, or reads one from stdin')
      .addOption(new Option('--role <role>', 'what the user may do: admin changes everything, viewer only reads').choices(['admin', 'viewer']).default('viewer'))
      .option('--password-stdin', 'read the password (first line, at least 8 characters) from stdin instead of generating one')
      .option('--json', 'print {"username","password"} (password only when generated)')
      .addOption(dataDirOption()),
  ).action(
    action(async (username: string, opts: PasswordOptions & { role: Role }) => {
      const pw = passwordFrom(opts);
      const user = await withAuth(opts.dataDir, async (c) => {
        const u = await c.auth.createUser(username, pw.password, opts.role);
        await c.log.record({ actor: actor(), action: 'user.create', target: { type: 'user', id: u.id }, detail: { username: u.username, role: u.role } });
        return u;
      });
      printPassword(opts, user.username, pw, `Created the ${user.role} "${user.username}".`);
      return EXIT_OK;
    }),
  );

  usageExits(
    users
      .command('reset-password <username>')
      .description('set a new password (generated and printed once, or read from stdin), end the user’s sessions and lift their sign-in lockout')
      .option('--password-stdin', 'read the new password (first line, at least 8 characters) from stdin instead of generating one')
      .option('--json', 'print {"username","password"} (password only when generated)')
      .addOption(dataDirOption()),
  ).action(
    action(async (name: string, opts: PasswordOptions) => {
      const pw = passwordFrom(opts);
      const user = await withAuth(opts.dataDir, async (c) => {
        const u = await userOf(c, name);
        await c.auth.updateUser(u.id, { password: pw.password });
        await c.auth.limiter.forgetUser(u.username);
        await c.log.record({ actor: actor(), action: 'user.update', target: { type: 'user', id: u.id }, detail: { fields: ['password'], sessionsEnded: true } });
        return u;
      });
      const note = user.disabled ? ` The user is disabled: wecom-sync users enable ${user.username} lets them sign in.` : '';
      printPassword(opts, user.username, pw, `Reset the password of "${user.username}"; their sessions have ended.${note}`);
      return EXIT_OK;
    }),
  );

  for (const [verb, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    usageExits(
      users
        .command(`${verb} <username>`)
        .description(disabled ? 'stop a user from signing in and end their sessions (their API tokens stop working too)' : 'let a disabled user sign in again')
        .addOption(dataDirOption()),
    ).action(
      action(async (name: string, opts: CommonOptions) => {
        const r = await withAuth(opts.dataDir, async (c) => {
          const u = await userOf(c, name);
          if (u.disabled === disabled) return { user: u, changed: false };
          await c.auth.updateUser(u.id, { disabled });
          await c.log.record({ actor: actor(), action: 'user.update', target: { type: 'user', id: u.id }, detail: { fields: ['disabled'], disabled } });
          return { user: u, changed: true };
        });
        const state = disabled ? 'disabled' : 'enabled';
        process.stdout.write(r.changed ? `${disabled ? 'Disabled' : 'Enabled'} "${r.user.username}".\n` : `"${r.user.username}" is already ${state}.\n`);
        return EXIT_OK;
      }),
    );
  }
}
