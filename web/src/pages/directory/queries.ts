// Reading the whole directory where the API pages it: every organization (for the tree), and
// how many accounts match a filter (`count=true`).
import { api, ok } from '../../api';
import type { Organization, Query } from '../../api/types';
import type { CursorPage } from '../../components/DirPager';

/** The filters of the accounts list (without paging). */
export type AccountFilter = Pick<Query<'/accounts'>, 'organizationId' | 'q' | 'status'>;

/** Every organization, page by page. */
export async function loadAllOrganizations(signal: AbortSignal): Promise<Organization[]> {
  const out: Organization[] = [];
  let after: string | null = null;
  for (let i = 0; i < 1000; i++) {
    const page: CursorPage<Organization> = await ok(api.GET('/organizations', { params: { query: { limit: 1000, ...(after ? { after } : {}) } }, signal }));
    out.push(...page.items);
    if (!page.nextCursor) break;
    after = page.nextCursor;
  }
  return out;
}

/** How many accounts match a filter: one request, counted by the server. */
export async function countAccounts(filter: AccountFilter, signal: AbortSignal): Promise<number> {
  const page = await ok(api.GET('/accounts', { params: { query: { ...filter, limit: 1, count: 'true' } }, signal }));
  return page.total ?? page.items.length;
}
