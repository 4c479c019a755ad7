// The preview's sample account: a search over /accounts (debounced, the latest answer wins);
// the first account is picked when nothing is.
import { Select, Spin, Typography } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { get } from '../../api';
import { useT } from '../../i18n';
import { messages } from './messages';
import { mono } from './styles';
import type { AccountItem } from './types';

export function AccountPicker({ value, onChange }: { value: string | null; onChange: (id: string | null) => void }) {
  const t = useT(messages);
  const [options, setOptions] = useState<AccountItem[]>([]);
  const [selected, setSelected] = useState<AccountItem | null>(null);
  const [loading, setLoading] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const seq = useRef(0);

  const search = useCallback(
    async (q: string) => {
      const n = ++seq.current;
      setLoading(true);
      try {
        const qs = new URLSearchParams({ limit: '20' });
        if (q.trim()) qs.set('q', q.trim());
        const r = await get<{ items: AccountItem[] }>(`/accounts?${qs}`);
        if (n !== seq.current) return;
        setOptions(r.items);
        if (value === null && !q && r.items[0]) {
          setSelected(r.items[0]);
          onChange(r.items[0].id);
        }
      } catch {
        if (n === seq.current) setOptions([]);
      } finally {
        if (n === seq.current) setLoading(false);
      }
    },
    [value, onChange],
  );

  useEffect(() => {
    void search('');
    // only once: the first accounts, the first one picked
  }, []);
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);

  const all = selected && !options.some((o) => o.id === selected.id) ? [selected, ...options] : options;
  return (
    <Select
      data-testid="preview-account"
      showSearch={{
        filterOption: false,
        onSearch: (q) => {
          if (timer.current) clearTimeout(timer.current);
          timer.current = setTimeout(() => void search(q), 250);
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
