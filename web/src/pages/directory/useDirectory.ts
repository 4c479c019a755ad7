// The directory page's data: every organization (reloadable), and the accounts of the selected
// organization under the search and status filters — a page at a time (keyset paging), with the
// total for the filter counted alongside.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { api, ok } from '../../api';
import type { Account, Organization, Status } from '../../api/types';
import { type CursorPage, type CursorPages, useCursorPages } from '../../components/DirPager';
import { useApi } from '../../hooks/useApi';
import { type AccountFilter, countAccounts, loadAllOrganizations } from './queries';

export function useOrganizations(): { orgs: Organization[] | null; error: Error | null; reload: () => void } {
  const { data, error, refetch } = useApi(loadAllOrganizations, []);
  return { orgs: data, error, reload: refetch };
}

export interface Accounts {
  /** The search box as typed; `q` follows it 300 ms later (or at once on Enter). */
  searchText: string;
  setSearchText: (s: string) => void;
  setQ: (q: string) => void;
  status: Status | 'all';
  setStatus: (s: Status | 'all') => void;
  pageSize: number;
  setPageSize: (n: number) => void;
  pages: CursorPages;
  page: CursorPage<Account> | null;
  error: Error | null;
  loading: boolean;
  /** Accounts matching the filter; null while counting. */
  total: number | null;
  refresh: () => void;
  /** Show a saved account in the page, and read the page and the total again. */
  saved: (a: Account) => void;
}

/** The accounts of the organization `selected` (null = all). */
export function useAccounts(selected: string | null): Accounts {
  const [searchText, setSearchText] = useState('');
  const [q, setQ] = useState('');
  const [status, setStatus] = useState<Status | 'all'>('all');
  const [pageSize, setPageSize] = useState(20);
  const pages = useCursorPages();
  const [tick, setTick] = useState(0);

  // search: debounced while typing
  useEffect(() => {
    const timer = setTimeout(() => setQ(searchText.trim()), 300);
    return () => clearTimeout(timer);
  }, [searchText]);

  const { reset } = pages;
  useEffect(() => reset(), [selected, q, status, reset]);

  const filter = useMemo(
    (): AccountFilter => ({ ...(selected ? { organizationId: selected } : {}), ...(q ? { q } : {}), ...(status !== 'all' ? { status } : {}) }),
    [selected, q, status],
  );

  // the page of accounts (the last one stays while the next is read)
  const read = useApi(
    (signal) => ok(api.GET('/accounts', { params: { query: { ...filter, limit: pageSize, ...(pages.cursor ? { after: pages.cursor } : {}) } }, signal })),
    [filter, pageSize, pages.cursor],
    { keepData: true, refresh: tick },
  );
  // the total for the filter
  const total = useApi((signal) => countAccounts(filter, signal), [filter], { refresh: tick }).data;

  const refresh = useCallback(() => setTick((n) => n + 1), []);
  const { setData } = read;
  const saved = useCallback(
    (a: Account) => {
      setData((p) => (p ? { ...p, items: p.items.map((x) => (x.id === a.id ? a : x)) } : p));
      setTick((n) => n + 1);
    },
    [setData],
  );

  return { searchText, setSearchText, setQ, status, setStatus, pageSize, setPageSize, pages, page: read.data, error: read.error, loading: read.loading, total, refresh, saved };
}
