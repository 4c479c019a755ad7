// The directory: the organization tree (GET /organizations, every page) on the left, the accounts
// of the selected organization (GET /accounts?organizationId=…, keyset paging) on the right, and an
// edit drawer for administrators (PATCH /accounts/:id). A saved change reaches WeCom through the
// sync worker; where an account or organization stands in WeCom shows per connection (the status
// drawer, the card under the tree). The URL keeps the selection: ?organization=<id> selects an
// organization, ?account=<id or username> opens that account's sync status (the runs page links
// here). Administrators create, edit, move and delete organizations (./directory/OrgDialog,
// ./directory/useDeletes), create and delete accounts, import a file (./directory/ImportDialog)
// and export the directory. The parts live in ./directory.
import { ApartmentOutlined, DeleteOutlined, DownloadOutlined, DragOutlined, EditOutlined, PlusOutlined, TeamOutlined, UploadOutlined, UserAddOutlined } from '@ant-design/icons';
import { Button, Col, Flex, Row, Space, Statistic, Tooltip, Typography } from 'antd';
import { useCallback, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, ok } from '../api';
import { useT } from '../i18n';
import { useIsAdmin } from '../session';
import { AccountDrawer, type NewAccount } from './directory/AccountDrawer';
import { AccountsTable } from './directory/AccountsTable';
import { EmptyDirectory } from './directory/EmptyDirectory';
import { ImportDialog } from './directory/ImportDialog';
import { messages } from './directory/messages';
import { OrgDialog, type OrgDialogMode } from './directory/OrgDialog';
import { OrgTree } from './directory/OrgTree';
import { useDeletes } from './directory/useDeletes';
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
  const [creating, setCreating] = useState<NewAccount | null>(null);
  const [orgDialog, setOrgDialog] = useState<OrgDialogMode | null>(null);
  const [importing, setImporting] = useState(false);

  const orgById = useMemo(() => new Map((orgs ?? []).map((o) => [o.id, o])), [orgs]);

  const { saved, refresh: refreshAccounts } = accounts;
  const onSaved = useCallback(
    (a: Account) => {
      setEditing(null);
      setCreating(null);
      saved(a);
    },
    [saved],
  );
  const onOrgSaved = useCallback(
    (o: { id: string }) => {
      setOrgDialog(null);
      reloadOrgs();
      setSelected(o.id);
    },
    [reloadOrgs, setSelected],
  );
  const { deleteOrg, deleteAccount } = useDeletes({
    onOrgDeleted: useCallback(
      (o: { parentId: string | null }) => {
        reloadOrgs();
        setSelected(o.parentId);
      },
      [reloadOrgs, setSelected],
    ),
    onAccountDeleted: refreshAccounts,
  });

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
  const newOrg = () => setOrgDialog({ kind: 'create', parentId: selected });

  const orgToolbar = isAdmin && (
    <Flex gap={4} wrap style={{ marginBottom: 8 }} data-testid="org-toolbar">
      <Button size="small" icon={<PlusOutlined />} onClick={newOrg} data-testid="org-new">
        {selectedOrg ? t('newSubOrg') : t('newOrg')}
      </Button>
      {selectedOrg && (
        <>
          <Tooltip title={t('editOrg')}>
            <Button size="small" icon={<EditOutlined />} aria-label={t('editOrg')} data-testid="org-edit" onClick={() => setOrgDialog({ kind: 'edit', org: selectedOrg })} />
          </Tooltip>
          <Tooltip title={t('moveOrg')}>
            <Button size="small" icon={<DragOutlined />} aria-label={t('moveOrg')} data-testid="org-move" onClick={() => setOrgDialog({ kind: 'move', org: selectedOrg })} />
          </Tooltip>
          <Tooltip title={t('deleteOrg')}>
            <Button size="small" danger icon={<DeleteOutlined />} aria-label={t('deleteOrg')} data-testid="org-delete" onClick={() => void deleteOrg(selectedOrg)} />
          </Tooltip>
        </>
      )}
    </Flex>
  );

  return (
    <div data-testid="directory">
      <Flex justify="space-between" align="flex-start" wrap gap={12} style={{ margin: '4px 0 16px' }}>
        <div>
          <Typography.Title level={3} style={{ margin: 0 }}>
            {t('title')}
          </Typography.Title>
          <Typography.Text type="secondary">{t('subtitle')}</Typography.Text>
        </div>
        <Space size={32} wrap>
          <Space wrap>
            {isAdmin && (
              <Button icon={<UploadOutlined />} onClick={() => setImporting(true)} data-testid="import-open">
                {t('importButton')}
              </Button>
            )}
            <Tooltip title={t('exportHelp')}>
              <Button icon={<DownloadOutlined />} href="/api/v1/directory/export" download data-testid="export">
                {t('exportButton')}
              </Button>
            </Tooltip>
            {isAdmin && (
              <Button icon={<UserAddOutlined />} disabled={!orgs || orgs.length === 0} onClick={() => setCreating({ organizationId: selected })} data-testid="account-new">
                {t('newAccount')}
              </Button>
            )}
          </Space>
          <Statistic title={t('orgCount')} value={orgs ? orgs.length : '—'} prefix={<ApartmentOutlined />} data-testid="org-count" />
          <Statistic title={selectedOrg ? t('accountsIn', { name: selectedOrg.name }) : t('accountCount')} value={totalText} prefix={<TeamOutlined />} data-testid="account-count" />
        </Space>
      </Flex>
      <Row gutter={16} wrap>
        <Col xs={24} lg={8} xl={6}>
          <OrgTree
            orgs={orgs}
            error={orgError}
            selected={selected}
            onSelect={setSelected}
            onRefresh={reloadOrgs}
            toolbar={orgs && orgs.length > 0 ? orgToolbar : null}
            empty={<EmptyDirectory isAdmin={isAdmin} onCreateOrg={newOrg} onImport={() => setImporting(true)} />}
          />
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
            onDelete={deleteAccount}
            onStatus={(a) => setParam('account', a.id)}
          />
        </Col>
      </Row>
      <SyncStatusDrawer target={statusAccount ? { type: 'account', id: statusAccount } : null} onClose={() => setParam('account', null)} />
      {isAdmin && (
        <AccountDrawer
          account={editing}
          creating={creating}
          orgs={orgs ?? []}
          onClose={() => {
            setEditing(null);
            setCreating(null);
          }}
          onSaved={onSaved}
        />
      )}
      {isAdmin && (
        <ImportDialog
          open={importing}
          onClose={() => setImporting(false)}
          onImported={() => {
            setImporting(false);
            reloadOrgs();
            refreshAccounts();
          }}
        />
      )}
      {isAdmin && <OrgDialog mode={orgDialog} orgs={orgs ?? []} onClose={() => setOrgDialog(null)} onSaved={onOrgSaved} />}
    </div>
  );
}
