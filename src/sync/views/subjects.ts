// Who an operation is about, as a person names it: the account's display name, the organization's
// path — for plans and runs, which otherwise only know WeCom's ids (department 7, member zhangsan).
import type { Directory } from '../../directory/directory.js';

export interface Subject {
  /** the account's display name, or the organization's name */
  name: string;
  /** the organization's path from the top, e.g. "总部/研发部" */
  path?: string;
}

export type Subjects = ReadonlyMap<string, Subject>;

/** Names of the directory objects these operations are for (by operation key); objects gone from the directory are absent. */
export async function subjectsOf(directory: Directory, ops: ReadonlyArray<{ kind: string; key: string }>): Promise<Subjects> {
  const organizations = new Set<string>();
  const accounts = new Set<string>();
  for (const op of ops) (op.kind.startsWith('department.') ? organizations : accounts).add(op.key);
  const names = await directory.namesOf({ organizations: [...organizations], accounts: [...accounts] });
  const out = new Map<string, Subject>();
  for (const [id, n] of names) out.set(id, n.path !== undefined ? { name: n.name, path: n.path } : { name: n.name });
  return out;
}
