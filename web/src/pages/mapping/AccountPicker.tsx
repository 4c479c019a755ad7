// The preview's sample account: a search over /accounts (debounced, the latest answer wins);
// the first account is picked when nothing is.
import { Select, Spin, Typography } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { api, ok } from '../../api';
import type { Account } from '../../api/types';
import { useApi } from '../../hooks/useApi';
import { useT } from '../../i18n';
import { messages } from './messages';
import { mono } from './styles';

type AccountItem = Pick<Account, 'id' | 'username' | 'displayName'>;

export function AccountPicker({ value, onChange }: { value: string | null; onChange: (id: string | null) => void }) {
  const t = useT(messages);
  const [query, setQuery] = useState('');
  const [selected, setSelected] = useState<AccountItem | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const found = useApi((signal) => ok(api.GET('/accounts', { params: { query: { limit: 20, ...(query ? { q: query } : {}) } }, signal })), [query], { keepData: true });
  const options: AccountItem[] = found.error ? [] : (found.data?.items ?? []);
  const loading = found.loading;

  // the first accounts: the first one is picked when nothing is
  useEffect(() => {
    const first = found.data?.items[0];
    if (value === null && query === '' && first) {
      setSelected(first);
      onChange(first.id);
    }
  }, [found.data]); // on each answer only
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);

  const all = selected && !options.some((o) => o.id === selected.id) ? [selected, ...options] : options;
  return (
    <Select
      data-testid="preview-account"
      aria-label={t('account')}
      showSearch={{
        filterOption: false,
        onSearch: (q) => {
          if (timer.current) clearTimeout(timer.current);
          timer.current = setTimeout(() => setQuery(q.trim()), 250);
        },
      }}
      value={value ?? undefined}
      placeholder={t('accountPlaceholder')}
      loading={loading}
      style={{ width: '100%' }}
      notFoundContent={loading ? <Spin size="small" /> : t('noAccounts')}
      onChange={(id: string) => {
        setSelected(all.find((o) => o.id === id) ?? null);
        onChange(id);
      }}
      options={all.map((a) => ({
        value: a.id,
        label: (
          <span>
            <Typography.Text style={mono}>{a.username}</Typography.Text> <Typography.Text type="secondary">{a.displayName}</Typography.Text>
          </span>
        ),
      }))}
    />
  );
}
