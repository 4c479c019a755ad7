// The cards of the mapping form: member and department expressions, departments of a member,
// scope and matching. Each renders Form.Items of the editor's form (names as in FormValues).
import { Card, Form, Input, Select, Switch, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useT } from '../../i18n';
import { type Key, messages } from './messages';
import { mono } from './styles';
import { DEPARTMENT_FIELDS, MEMBER_FIELDS, REQUIRED } from './types';

type T = ReturnType<typeof useT<typeof messages>>;

const exprInput = (t: T, group: 'members' | 'departments', f: string) => (
  <Input
    data-testid={`mapping-${group}-${f}`}
    style={mono}
    spellCheck={false}
    autoComplete="off"
    placeholder={REQUIRED.has(`${group}.${f}`) ? undefined : t('notMapped')}
  />
);

const fieldLabel = (t: T, key: Key, code: string): ReactNode => (
  <span>
    {t(key)}{' '}
    <Typography.Text type="secondary" style={{ ...mono, fontSize: 12 }}>
      {code}
    </Typography.Text>
  </span>
);

/** One Form.Item per WeCom member field (the `members` card) or department field (`departments`). */
export function ExpressionFields({ group }: { group: 'members' | 'departments' }) {
  const t = useT(messages);
  const fields = group === 'members' ? MEMBER_FIELDS : DEPARTMENT_FIELDS;
  const prefix = group === 'members' ? 'm' : 'd';
  return (
    <Card title={t(group)} size="small" style={{ marginBottom: 16 }}>
      <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
        {t(group === 'members' ? 'membersHelp' : 'departmentsHelp')}
      </Typography.Paragraph>
      {fields.map((f) => (
        <Form.Item key={f} name={[group, f]} label={fieldLabel(t, `${prefix}-${f}` as Key, f)} required={REQUIRED.has(`${group}.${f}`)} style={{ marginBottom: 10 }}>
          {exprInput(t, group, f)}
        </Form.Item>
      ))}
    </Card>
  );
}

export function AffiliationFields() {
  const t = useT(messages);
  return (
    <Card title={t('affiliation')} size="small" style={{ marginBottom: 16 }}>
      <Form.Item name={['affiliation', 'mode']} label={t('mode')} style={{ marginBottom: 10 }}>
        <Select
          data-testid="mapping-affiliation-mode"
          options={(['all-organizations', 'primary-only'] as const).map((v) => ({ value: v, label: t(`mode-${v}`) }))}
        />
      </Form.Item>
      <Form.Item name={['affiliation', 'directLeader']} label={t('directLeader')} style={{ marginBottom: 10 }}>
        <Select data-testid="mapping-affiliation-directLeader" options={(['manager', 'none'] as const).map((v) => ({ value: v, label: t(`leader-${v}`) }))} />
      </Form.Item>
      <Form.Item name={['affiliation', 'leaderExpression']} label={t('leaderExpression')} extra={t('leaderExpressionHelp')} style={{ marginBottom: 0 }}>
        <Input data-testid="mapping-affiliation-leaderExpression" style={mono} spellCheck={false} placeholder={t('notMapped')} />
      </Form.Item>
    </Card>
  );
}

export function ScopeFields() {
  const t = useT(messages);
  return (
    <Card title={t('scope')} size="small" style={{ marginBottom: 16 }}>
      <Form.Item name={['scope', 'organizationRoots']} label={t('organizationRoots')} extra={t('organizationRootsHelp')} style={{ marginBottom: 10 }}>
        <Select data-testid="mapping-scope-organizationRoots" mode="tags" open={false} suffixIcon={null} tokenSeparators={[',', ' ']} style={mono} />
      </Form.Item>
      <Form.Item name={['scope', 'organizationFilter']} label={t('organizationFilter')} extra={t('organizationFilterHelp')} style={{ marginBottom: 10 }}>
        <Input data-testid="mapping-scope-organizationFilter" style={mono} spellCheck={false} placeholder={t('notMapped')} />
      </Form.Item>
      <Form.Item name={['scope', 'accountFilter']} label={t('accountFilter')} extra={t('accountFilterHelp')} style={{ marginBottom: 10 }}>
        <Input data-testid="mapping-scope-accountFilter" style={mono} spellCheck={false} placeholder={t('notMapped')} />
      </Form.Item>
      <Form.Item name={['scope', 'includeDisabledAccounts']} label={t('includeDisabled')} valuePropName="checked" style={{ marginBottom: 0 }}>
        <Switch data-testid="mapping-scope-includeDisabledAccounts" />
      </Form.Item>
    </Card>
  );
}

const matchOptions = (['userid', 'mobile', 'email'] as const).map((v) => ({ value: v, label: v }));

export function MatchingFields() {
  const t = useT(messages);
  return (
    <Card title={t('matching')} size="small" style={{ marginBottom: 16 }}>
      <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
        {t('matchingHelp')}
      </Typography.Paragraph>
      <Form.Item name={['matching', 'members']} label={t('matchMembers')} style={{ marginBottom: 10 }}>
        <Select data-testid="mapping-matching-members" mode="multiple" options={matchOptions} placeholder={t('matchNone')} />
      </Form.Item>
      <Form.Item name={['matching', 'departments']} label={t('matchDepartments')} style={{ marginBottom: 0 }}>
        <Select data-testid="mapping-matching-departments" options={(['name-path', 'id', 'none'] as const).map((v) => ({ value: v, label: t(`match-${v}`) }))} />
      </Form.Item>
    </Card>
  );
}
