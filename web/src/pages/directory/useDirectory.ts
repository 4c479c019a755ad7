// The directory page's data: every organization (reloadable), and the accounts of the selected
// organization under the search and status filters — a page at a time (keyset paging), with the
// total for the filter counted alongside.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { get } from '../../api';
import { type CursorPage, type CursorPages, useCursorPages } from '../../components/DirPager';
import { countAccounts, loadAllOrganizations } from './queries';
import type { Account, Organization, Status } from './types';

export function useOrganizations(): { orgs: Organization[] | null; error: Error | null; reload: () => void } {
  const [orgs, setOrgs] = useState<Organization[] | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const ac = new AbortController();
    loadAllOrganizations(ac.signal)
      .then((o) => {
        setOrgs(o);
        setError(null);
      })
      .catch((e: Error) => {
        if (!ac.signal.aborted) setError(e);
      });
    return () => ac.abort();
  }, [tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { orgs, error, reload };
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
  const [page, setPage] = useState<CursorPage<Account> | null>(null);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(false);
  const [tick, setTick] = useState(0);
  const [total, setTotal] = useState<number | null>(null);

  // search: debounced while typing
  useEffect(() => {
    const timer = setTimeout(() => setQ(searchText.trim()), 300);
    return () => clearTimeout(timer);
  }, [searchText]);

  const { reset } = pages;
  useEffect(() => reset(), [selected, q, status, reset]);

  const filter = useMemo(() => {
    const f = new URLSearchParams();
    if (selected) f.set('organizationId', selected);
    if (q) f.set('q', q);
    if (status !== 'all') f.set('status', status);
    return f;
  }, [selected, q, status]);

  // the page of accounts
  useEffect(() => {
    const ac = new AbortController();
    const qs = new URLSearchParams(filter);
    qs.set('limit', String(pageSize));
    if (pages.cursor) qs.set('after', pages.cursor);
    setLoading(true);
    get<CursorPage<Account>>(`/accounts?${qs}`, { signal: ac.signal })
      .then((p) => {
        setPage(p);
        setError(null);
        setLoading(false);
      })
      .catch((e: Error) => {
        if (ac.signal.aborted) return;
        setError(e);
        setLoading(false);
      });
    return () => ac.abort();
  }, [filter, pageSize, pages.cursor, tick]);

  // the total for the filter
  useEffect(() => {
    const ac = new AbortController();
    setTotal(null);
    countAccounts(filter, ac.signal)
      .then(setTotal)
      .catch(() => undefined);
    return () => ac.abort();
  }, [filter, tick]);

  const refresh = useCallback(() => setTick((n) => n + 1), []);
  const saved = useCallback((a: Account) => {
    setPage((p) => (p ? { ...p, items: p.items.map((x) => (x.id === a.id ? a : x)) } : p));
    setTick((n) => n + 1);
  }, []);

  return { searchText, setSearchText, setQ, status, setStatus, pageSize, setPageSize, pages, page, error, loading, total, refresh, saved };
}
