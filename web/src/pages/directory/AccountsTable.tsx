// The accounts on the right of the directory: search and status filter, one page of accounts
// with their organizations (a click selects one in the tree), the sync status button, the edit
// button for administrators, and the pager.
import { CloudSyncOutlined, DeleteOutlined, EditOutlined, ReloadOutlined, SearchOutlined, TeamOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Empty, Flex, Input, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { HTMLAttributes } from 'react';
import { DirPager } from '../../components/DirPager';
import { DASH } from '../../components/format';
import { useT } from '../../i18n';
import { messages } from './messages';
import type { Account, Organization, Status } from '../../api/types';
import type { Accounts } from './useDirectory';

export function AccountsTable({
  accounts,
  selectedOrg,
  totalText,
  orgById,
  onSelectOrg,
  isAdmin,
  onEdit,
  onDelete,
  onStatus,
}: {
  accounts: Accounts;
  selectedOrg: Organization | undefined;
  totalText: string;
  orgById: Map<string, Organization>;
  onSelectOrg: (id: string) => void;
  isAdmin: boolean;
  onEdit: (a: Account) => void;
  onDelete: (a: Account) => void;
  /** Show the account's sync status in every connection. */
  onStatus: (a: Account) => void;
}) {
  const t = useT(messages);
  const { searchText, setSearchText, setQ, status, setStatus, pages, page, pageSize, setPageSize, error, loading, refresh } = accounts;
  return (
    <Card
      size="small"
      title={
        <Space>
          <TeamOutlined />
          {selectedOrg ? t('accountsIn', { name: selectedOrg.name }) : t('allAccounts')}
          <Tag>{totalText}</Tag>
          {selectedOrg && (
            <Typography.Text type="secondary" style={{ fontWeight: 'normal', fontSize: 12 }}>
              {t('directMembers')}
            </Typography.Text>
          )}
        </Space>
      }
      extra={
        <Space wrap>
          <Input
            allowClear
            prefix={<SearchOutlined />}
            placeholder={t('search')}
            aria-label={t('search')}
            value={searchText}
            onChange={(e) => setSearchText(e.target.value)}
            onPressEnter={() => setQ(searchText.trim())}
            style={{ width: 220 }}
            data-testid="account-search"
          />
          <Select<Status | 'all'>
            aria-label={t('statusAll')}
            value={status}
            onChange={setStatus}
            style={{ width: 120 }}
            options={[
              { value: 'all', label: t('statusAll') },
              { value: 'enabled', label: t('enabled') },
              { value: 'disabled', label: t('disabled') },
            ]}
          />
          <Tooltip title={t('refresh')}>
            <Button icon={<ReloadOutlined />} onClick={refresh} />
          </Tooltip>
        </Space>
      }
    >
      {error && <Alert type="error" showIcon title={t('loadFailed')} description={error.message} style={{ marginBottom: 12 }} />}
      <Table<Account>
        size="small"
        rowKey="id"
        loading={loading}
        dataSource={page?.items ?? []}
        pagination={false}
        // every column keeps its width (the organizations too): on a laptop (1366–1599 px) the
        // e-mail column is left out (it is in the edit drawer) so that the rest fit without
        // scrolling; a narrower window scrolls sideways instead of squeezing a column
        scroll={{ x: 'max-content' }}
        data-testid="accounts-table"
        locale={{ emptyText: <Empty description={t('noAccounts')} /> }}
        onRow={(a) => ({ 'data-testid': `account-row-${a.username}` }) as HTMLAttributes<HTMLElement>}
        columns={[
          { title: t('username'), dataIndex: 'username', width: 130, render: (u: string) => <Typography.Text code>{u}</Typography.Text> },
          { title: t('name'), dataIndex: 'displayName', width: 110 },
          { title: t('mobile'), dataIndex: 'mobile', width: 150, render: (v: string | null) => v ?? DASH },
          { title: t('email'), dataIndex: 'email', width: 200, responsive: ['xxl'], ellipsis: { showTitle: true }, render: (v: string | null) => v ?? DASH },
          {
            title: t('status'),
            dataIndex: 'status',
            width: 90,
            render: (s: Status) => <Tag color={s === 'enabled' ? 'success' : 'default'}>{t(s)}</Tag>,
          },
          {
            title: t('orgs'),
            key: 'orgs',
            width: 200,
            minWidth: 200,
            render: (_, a) => (
              <Space size={[4, 4]} wrap>
                {a.organizationIds.map((id) => (
                  <Tooltip key={id} title={id === a.primaryOrganizationId ? t('primary') : undefined}>
                    <Tag color={id === a.primaryOrganizationId ? 'green' : undefined} style={{ cursor: 'pointer', marginInlineEnd: 0 }} onClick={() => onSelectOrg(id)}>
                      {orgById.get(id)?.name ?? id}
                    </Tag>
                  </Tooltip>
                ))}
              </Space>
            ),
          },
          {
            title: t('actions'),
            key: 'actions',
            width: isAdmin ? 108 : 64,
            fixed: 'right' as const,
            render: (_: unknown, a: Account) => (
              <Space size={4}>
                <Tooltip title={t('syncStatus')}>
                  <Button size="small" icon={<CloudSyncOutlined />} aria-label={t('syncStatus')} data-testid={`status-account-${a.username}`} onClick={() => onStatus(a)} />
                </Tooltip>
                {isAdmin && (
                  <Tooltip title={t('edit')}>
                    <Button size="small" icon={<EditOutlined />} aria-label={t('edit')} data-testid={`edit-account-${a.username}`} onClick={() => onEdit(a)} />
                  </Tooltip>
                )}
                {isAdmin && (
                  <Tooltip title={t('delete')}>
                    <Button size="small" danger icon={<DeleteOutlined />} aria-label={t('delete')} data-testid={`delete-account-${a.username}`} onClick={() => onDelete(a)} />
                  </Tooltip>
                )}
              </Space>
            ),
          },
        ]}
      />
      <Flex justify="flex-end" style={{ marginTop: 12 }}>
        <DirPager pages={pages} nextCursor={page?.nextCursor} shown={page?.items.length ?? 0} pageSize={pageSize} onPageSize={setPageSize} loading={loading} />
      </Flex>
    </Card>
  );
}
