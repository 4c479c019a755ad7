// The frame the Users and API tokens pages share: title and intro, their buttons (with Refresh),
// a failed read said above the table, and the table of what the API listed.
import { ReloadOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Flex, Space, Table, Typography } from 'antd';
import type { ColumnsType } from 'antd/es/table';
import type { HTMLAttributes, ReactNode } from 'react';
import { errorText } from '../../components/formErrors';
import type { useApi } from '../../hooks/useApi';
import { useT } from '../../i18n';
import { messages } from './messages';

interface ListPageProps<R> {
  title: string;
  intro: ReactNode;
  /** Buttons after Refresh (the page's "New …"), and controls before it. */
  actions: ReactNode;
  before?: ReactNode;
  read: ReturnType<typeof useApi<{ items: R[] }>>;
  columns: ColumnsType<R>;
  emptyText: string;
  /** `data-testid` of a row. */
  rowTestId: (row: R) => string;
}

export function ListPage<R extends { id: string }>({ title, intro, actions, before, read, columns, emptyText, rowTestId }: ListPageProps<R>) {
  const t = useT(messages);
  return (
    <>
      <Flex justify="space-between" align="center" wrap gap={8} style={{ margin: '8px 0 16px' }}>
        <div style={{ flex: 1, minWidth: 320, maxWidth: 900 }}>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {title}
          </Typography.Title>
          <Typography.Text type="secondary">{intro}</Typography.Text>
        </div>
        <Space>
          {before}
          <Button icon={<ReloadOutlined />} onClick={read.refetch} loading={read.loading}>
            {t('refresh')}
          </Button>
          {actions}
        </Space>
      </Flex>
      {read.error && <Alert type="error" showIcon title={t('loadFailed')} description={errorText(read.error)} style={{ marginBottom: 16 }} />}
      <Card styles={{ body: { padding: 0 } }}>
        <Table<R>
          rowKey="id"
          columns={columns}
          dataSource={read.data?.items ?? []}
          loading={read.data === null && !read.error}
          pagination={false}
          scroll={{ x: 'max-content' }}
          locale={{ emptyText }}
          onRow={(r) => ({ 'data-testid': rowTestId(r) }) as HTMLAttributes<HTMLElement>}
        />
      </Card>
    </>
  );
}
