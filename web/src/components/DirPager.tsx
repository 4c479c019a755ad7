// Keyset paging for the directory and the audit log: the API answers {items, nextCursor} and
// takes the cursor back (`after` / `before`), so pages are walked forwards with a stack of the
// cursors seen, and backwards by popping it.
import { LeftOutlined, RightOutlined } from '@ant-design/icons';
import { Button, Select, Space, Typography } from 'antd';
import { useCallback, useState } from 'react';
import { type Messages, useT } from '../i18n';

const messages = {
  zh: { prev: '上一页', next: '下一页', page: '第 {n} 页', rows: '{from}–{to} 条', size: '{n} 条/页', pageSize: '每页条数' },
  en: { prev: 'Previous', next: 'Next', page: 'Page {n}', rows: 'rows {from}–{to}', size: '{n} / page', pageSize: 'Rows per page' },
} satisfies Messages;

/** One page of a keyset-paged list, as the API answers it. */
export interface CursorPage<T> {
  items: T[];
  nextCursor: string | null;
}

export interface CursorPages {
  /** The cursor of the current page (undefined on the first). */
  cursor: string | undefined;
  /** 0-based page number. */
  page: number;
  next: (cursor: string) => void;
  prev: () => void;
  reset: () => void;
}

export function useCursorPages(): CursorPages {
  const [stack, setStack] = useState<string[]>([]);
  const next = useCallback((c: string) => setStack((s) => [...s, c]), []);
  const prev = useCallback(() => setStack((s) => s.slice(0, -1)), []);
  const reset = useCallback(() => setStack([]), []);
  return { cursor: stack[stack.length - 1], page: stack.length, next, prev, reset };
}

export function DirPager({
  pages,
  nextCursor,
  shown,
  pageSize,
  onPageSize,
  sizes = [20, 50, 100],
  loading,
}: {
  pages: CursorPages;
  nextCursor: string | null | undefined;
  shown: number;
  pageSize: number;
  onPageSize: (n: number) => void;
  sizes?: number[];
  loading?: boolean;
}) {
  const t = useT(messages);
  const from = pages.page * pageSize + (shown > 0 ? 1 : 0);
  return (
    <Space wrap>
      <Typography.Text type="secondary">
        {t('page', { n: pages.page + 1 })} · {t('rows', { from, to: pages.page * pageSize + shown })}
      </Typography.Text>
      <Button size="small" icon={<LeftOutlined />} disabled={pages.page === 0 || loading} onClick={pages.prev}>
        {t('prev')}
      </Button>
      <Button size="small" disabled={!nextCursor || loading} onClick={() => nextCursor && pages.next(nextCursor)}>
        {t('next')} <RightOutlined />
      </Button>
      <Select<number>
        size="small"
        aria-label={t('pageSize')}
        value={pageSize}
        style={{ width: 110 }}
        onChange={(n) => {
          onPageSize(n);
          pages.reset();
        }}
        options={sizes.map((n) => ({ value: n, label: t('size', { n }) }))}
      />
    </Space>
  );
}
