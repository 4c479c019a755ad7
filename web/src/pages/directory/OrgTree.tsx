// The organization tree on the left of the directory: "All accounts", then every organization
// (disabled ones greyed), two levels open at first (all of them when there are few).
import { ApartmentOutlined, ReloadOutlined, TeamOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Empty, Skeleton, Space, Tag, Tooltip, Tree, Typography } from 'antd';
import type { DataNode } from 'antd/es/tree';
import { type Key, type ReactNode, useMemo, useState } from 'react';
import { useT } from '../../i18n';
import { messages } from './messages';
import { orgForest } from './orgs';
import type { Organization } from '../../api/types';

function buildTree(orgs: Organization[], disabledLabel: string): DataNode[] {
  return orgForest<DataNode>(orgs, (o, children) => ({
    key: o.id,
    title: (
      <span style={o.status === 'disabled' ? { color: '#999' } : undefined} data-org={o.id}>
        <span>{o.name}</span>
        {o.code && (
          <Typography.Text type="secondary" style={{ fontSize: 12, marginInlineStart: 6 }}>
            {o.code}
          </Typography.Text>
        )}
        {o.status === 'disabled' && (
          <Tag style={{ marginInlineStart: 6 }} variant="filled">
            {disabledLabel}
          </Tag>
        )}
      </span>
    ),
    children,
  }));
}

/** The roots and their children; every organization when there are at most 60. */
function firstExpanded(all: Organization[]): string[] {
  if (all.length <= 60) return all.map((o) => o.id);
  const roots = all.filter((o) => !o.parentId);
  const rootIds = new Set(roots.map((o) => o.id));
  return [...rootIds, ...all.filter((o) => o.parentId && rootIds.has(o.parentId)).map((o) => o.id)];
}

export function OrgTree({
  orgs,
  error,
  selected,
  onSelect,
  onRefresh,
  toolbar,
  empty,
}: {
  /** null while loading. */
  orgs: Organization[] | null;
  error: Error | null;
  /** The selected organization's id; null = all accounts. */
  selected: string | null;
  onSelect: (id: string | null) => void;
  onRefresh: () => void;
  /** Actions on the organizations (administrators), above the tree. */
  toolbar?: ReactNode;
  /** Shown instead of the plain "no organizations" when the directory is empty. */
  empty?: ReactNode;
}) {
  const t = useT(messages);
  const [expanded, setExpanded] = useState<Key[] | null>(null);
  const tree = useMemo(() => buildTree(orgs ?? [], t('orgDisabled')), [orgs, t]);
  const initialExpanded = useMemo(() => firstExpanded(orgs ?? []), [orgs]);
  return (
    <Card
      size="small"
      title={
        <Space>
          <ApartmentOutlined />
          {t('organizations')}
          {orgs && <Tag>{orgs.length}</Tag>}
        </Space>
      }
      extra={
        <Tooltip title={t('refresh')}>
          <Button size="small" type="text" icon={<ReloadOutlined />} onClick={onRefresh} />
        </Tooltip>
      }
      styles={{ body: { maxHeight: 'calc(100vh - 260px)', minHeight: 200, overflow: 'auto' } }}
    >
      <Button type={selected === null ? 'primary' : 'link'} ghost={selected === null} size="small" style={{ marginBottom: 8 }} onClick={() => onSelect(null)}>
        <TeamOutlined /> {t('allAccounts')}
      </Button>
      {toolbar}
      {error && <Alert type="error" showIcon title={t('loadFailed')} description={error.message} />}
      {!orgs && !error && <Skeleton active />}
      {orgs && orgs.length === 0 && (empty ?? <Empty description={t('treeEmpty')} />)}
      <div data-testid="org-tree">
        {orgs && orgs.length > 0 && (
          <Tree
            blockNode
            showLine
            treeData={tree}
            selectedKeys={selected ? [selected] : []}
            expandedKeys={expanded ?? initialExpanded}
            onExpand={(keys) => setExpanded(keys)}
            onSelect={(keys) => onSelect(keys.length > 0 ? String(keys[0]) : null)}
          />
        )}
      </div>
    </Card>
  );
}
