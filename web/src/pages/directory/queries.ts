// Reading the whole directory where the API pages it: every organization (for the tree), and
// how many accounts match a filter (`count=true`).
import { get } from '../../api';
import type { CursorPage } from '../../components/DirPager';
import type { Account, Organization } from './types';

/** Every organization, page by page. */
export async function loadAllOrganizations(signal: AbortSignal): Promise<Organization[]> {
  const out: Organization[] = [];
  let after: string | null = null;
  for (let i = 0; i < 1000; i++) {
    const qs = new URLSearchParams({ limit: '1000' });
    if (after) qs.set('after', after);
    const page: CursorPage<Organization> = await get<CursorPage<Organization>>(`/organizations?${qs}`, { signal });
    out.push(...page.items);
    if (!page.nextCursor) break;
    after = page.nextCursor;
  }
  return out;
}

/** How many accounts match a filter: one request, counted by the server. */
export async function countAccounts(filter: URLSearchParams, signal: AbortSignal): Promise<number> {
  const qs = new URLSearchParams(filter);
  qs.set('limit', '1');
  qs.set('count', 'true');
  const page = await get<CursorPage<Account> & { total?: number }>(`/accounts?${qs}`, { signal });
  return page.total ?? page.items.length;
}
