// The connection's scope: the directory organizations whose subtrees are synced (none = the whole
// directory), picked in the organization tree. The demo's connection shows its scope read-only.
import { Form, TreeSelect } from 'antd';
import { useMemo } from 'react';
import type { Organization } from '../../api/types';
import { useT } from '../../i18n';
import { orgForest } from '../directory/orgs';
import { messages } from './messages';

interface OrgOption {
  value: string;
  title: string;
  children: OrgOption[];
}

export const SCOPE_FIELD = ['scope', 'organizationRoots'];

export function ScopeField({ orgs, isDemo, readOnly }: { orgs: Organization[] | null; isDemo: boolean; readOnly: boolean }) {
  const t = useT(messages);
  const treeData = useMemo(() => orgForest<OrgOption>(orgs ?? [], (o, children) => ({ value: o.id, title: o.name, children })), [orgs]);
  const known = useMemo(() => new Set((orgs ?? []).map((o) => o.id)), [orgs]);
  return (
    <Form.Item noStyle shouldUpdate={(a: { scope?: unknown }, b: { scope?: unknown }) => a.scope !== b.scope}>
      {({ getFieldValue }) => {
        // roots the directory no longer has stay visible (and removable) under a plain label
        const roots = (getFieldValue(SCOPE_FIELD) as string[] | undefined) ?? [];
        const missing = orgs ? roots.filter((id) => !known.has(id)).map((id) => ({ value: id, title: t('scopeUnknown', { id }), children: [] })) : [];
        return (
          <Form.Item name={SCOPE_FIELD} label={t('scope')} extra={isDemo ? t('scopeDemoHelp') : t('scopeHelp')}>
            <TreeSelect<string[]>
              data-testid="field-scope"
              treeData={[...treeData, ...missing]}
              multiple
              allowClear
              showSearch
              treeNodeFilterProp="title"
              treeDefaultExpandAll={(orgs?.length ?? 0) <= 200}
              placeholder={t('scopePlaceholder')}
              loading={orgs === null}
              disabled={readOnly || isDemo}
              style={{ width: '100%' }}
            />
          </Form.Item>
        );
      }}
    </Form.Item>
  );
}
