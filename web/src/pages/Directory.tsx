// The directory: the organization tree (GET /organizations, every page) on the left, the accounts
// of the selected organization (GET /accounts?organizationId=…, keyset paging) on the right, and an
// edit drawer for administrators (PATCH /accounts/:id). A saved change reaches WeCom through the
// sync worker; where an account or organization stands in WeCom shows per connection (the status
// drawer, the card under the tree). The URL keeps the selection: ?organization=<id> selects an
// organization, ?account=<id or username> opens that account's sync status (the runs page links
// here). The parts live in ./directory.
import { ApartmentOutlined, TeamOutlined } from '@ant-design/icons';
import { Col, Flex, Row, Space, Statistic, Typography } from 'antd';
import { useCallback, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, ok } from '../api';
import { useT } from '../i18n';
import { useIsAdmin } from '../session';
import { AccountDrawer } from './directory/AccountDrawer';
import { AccountsTable } from './directory/AccountsTable';
import { messages } from './directory/messages';
import { OrgTree } from './directory/OrgTree';
import { OrgSyncStatusCard, SyncStatusDrawer } from './directory/SyncStatus';
import type { Account } from '../api/types';
import { useAccounts, useOrganizations } from './directory/useDirectory';

export function DirectoryPage() {
  const t = useT(messages);
  const isAdmin = useIsAdmin();
  const { orgs, error: orgError, reload: reloadOrgs } = useOrganizations();
  const [params, setParams] = useSearchParams();
  const selected = params.get('organization');
  const statusAccount = params.get('account');
  const setParam = useCallback(
    (name: 'organization' | 'account', value: string | null) =>
      setParams(
        (p) => {
          const next = new URLSearchParams(p);
          if (value === null) next.delete(name);
          else next.set(name, value);
          return next;
        },
        { replace: true },
      ),
    [setParams],
  );
  const setSelected = useCallback((id: string | null) => setParam('organization', id), [setParam]);
  const accounts = useAccounts(selected);
  const [editing, setEditing] = useState<Account | null>(null);

  const orgById = useMemo(() => new Map((orgs ?? []).map((o) => [o.id, o])), [orgs]);

  const { saved } = accounts;
  const onSaved = useCallback(
    (a: Account) => {
      setEditing(null);
      saved(a);
    },
    [saved],
  );

  const openEdit = async (a: Account) => {
    // read the current version before editing
    try {
      setEditing(await ok(api.GET('/accounts/{id}', { params: { path: { id: a.id } } })));
    } catch {
      setEditing(a);
    }
  };

  const selectedOrg = selected ? orgById.get(selected) : undefined;
  const { total } = accounts;
  const totalText = total === null ? t('counting') : String(total);

  return (
    <div data-testid="directory">
      <Flex justify="space-between" align="flex-start" wrap gap={12} style={{ margin: '4px 0 16px' }}>
        <div>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t('title')}
          </Typography.Title>
          <Typography.Text type="secondary">{t('subtitle')}</Typography.Text>
        </div>
        <Space size={32}>
          <Statistic title={t('orgCount')} value={orgs ? orgs.length : '—'} prefix={<ApartmentOutlined />} data-testid="org-count" />
          <Statistic title={selectedOrg ? t('accountsIn', { name: selectedOrg.name }) : t('accountCount')} value={totalText} prefix={<TeamOutlined />} data-testid="account-count" />
        </Space>
      </Flex>
      <Row gutter={16} wrap>
        <Col xs={24} lg={8} xl={6}>
          <OrgTree orgs={orgs} error={orgError} selected={selected} onSelect={setSelected} onRefresh={reloadOrgs} />
          {selected && <OrgSyncStatusCard organizationId={selected} name={selectedOrg?.name} />}
        </Col>
        <Col xs={24} lg={16} xl={18}>
          <AccountsTable
            accounts={accounts}
            selectedOrg={selectedOrg}
            totalText={totalText}
            orgById={orgById}
            onSelectOrg={setSelected}
            isAdmin={isAdmin}
            onEdit={(a) => void openEdit(a)}
            onStatus={(a) => setParam('account', a.id)}
          />
        </Col>
      </Row>
      <SyncStatusDrawer target={statusAccount ? { type: 'account', id: statusAccount } : null} onClose={() => setParam('account', null)} />
      {isAdmin && <AccountDrawer account={editing} orgs={orgs ?? []} onClose={() => setEditing(null)} onSaved={onSaved} />}
    </div>
  );
}
