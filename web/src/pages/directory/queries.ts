// Reading the whole directory where the API pages it: every organization (for the tree), and
// how many accounts match a filter (the API has no count).
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

const COUNT_PAGE = 1000;
const COUNT_MAX_PAGES = 20;

/** How many accounts match a filter (the API has no count: pages of 1000 are walked, up to 20). */
export async function countAccounts(filter: URLSearchParams, signal: AbortSignal): Promise<{ n: number; more: boolean }> {
  let n = 0;
  let after: string | null = null;
  for (let i = 0; i < COUNT_MAX_PAGES; i++) {
    const qs = new URLSearchParams(filter);
    qs.set('limit', String(COUNT_PAGE));
    if (after) qs.set('after', after);
    const page: CursorPage<Account> = await get<CursorPage<Account>>(`/accounts?${qs}`, { signal });
    n += page.items.length;
    if (!page.nextCursor) return { n, more: false };
    after = page.nextCursor;
  }
  return { n, more: true };
}
