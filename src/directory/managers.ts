// Managers form a forest, like organizations: an account may not report, directly or through
// others, to itself. Single writes (Directory.updateAccount) read the chain above the new manager
// from the store; batch writes (imports, the demo) check the final state of the whole batch.
import { coded } from '../messages/index.js';
import { fieldError } from '../domain/common.js';
import { ValidationError } from './errors.js';

/**
 * The first management cycle through one of `changed`, as the account ids around it back to where
 * it starts (`[a, b, a]`); null when there is none. Cycles that only pass through unchanged
 * accounts (older data) are not this write's doing and are ignored. Linear in the accounts visited.
 */
export function findManagerCycle(managerOf: ReadonlyMap<string, string | null>, changed: Iterable<string>): string[] | null {
  const touched = new Set(changed);
  const settled = new Set<string>();
  for (const start of touched) {
    const path: string[] = [];
    const onPath = new Map<string, number>();
    let cur: string | null | undefined = start;
    while (cur != null && !settled.has(cur)) {
      const at = onPath.get(cur);
      if (at !== undefined) {
        const cycle = path.slice(at);
        const from = cycle.findIndex((id) => touched.has(id));
        if (from >= 0) return [...cycle.slice(from), ...cycle.slice(0, from), cycle[from]!];
        break;
      }
      onPath.set(cur, path.length);
      path.push(cur);
      cur = managerOf.get(cur);
    }
    for (const id of path) settled.add(id);
  }
  return null;
}

/** The error for a cycle from findManagerCycle, naming the accounts by username (and id). */
export function managerCycleError(cycle: readonly string[], username: (id: string) => string): ValidationError {
  const [account, manager] = cycle as [string, string];
  return new ValidationError(coded('error.manager-cycle', { account: `"${username(account)}" (${account})`, manager: `"${username(manager)}" (${manager})`, cycle: cycle.map(username).join(' → ') }), [
    fieldError('managerId', 'invalid.manager-cycle', { manager, account }),
  ]);
}
