// An audited write as a person reads it: each changed field by its label in the console's
// language (the labels of the page where it is edited: directory, connection, users), before →
// after, values as the console shows them (启用, 男, the deletion policy's wording); personal values
// arrive masked and are marked so, secrets say only that they changed. Values are data (data-data).
import { Table, Tag, Tooltip, Typography } from 'antd';
import { useMemo } from 'react';
import type { AuditEntry } from '../../api/types';
import { useFieldText, useLang, useT } from '../../i18n';
import { messages as connectionMessages } from '../connection/messages';
import { messages as directoryMessages } from '../directory/messages';
import { messages as userMessages } from '../users/messages';
import { isAuditKey, messages } from './messages';

export interface FieldChange {
  field: string;
  before?: unknown;
  after?: unknown;
  kind?: 'masked' | 'secret';
}

/** The changes an entry carries (entries written before changes were recorded have none). */
export function changesOf(e: AuditEntry): FieldChange[] {
  const c = e.detail.changes;
  return Array.isArray(c) ? c.filter((x): x is FieldChange => !!x && typeof x === 'object' && typeof (x as FieldChange).field === 'string') : [];
}

type Dir = keyof typeof directoryMessages.en;
type Conn = keyof typeof connectionMessages.en;
type User = keyof typeof userMessages.en;

/** Directory fields by the directory page's label keys (an organization's name is its own label). */
const ACCOUNT_LABELS: Record<string, Dir> = {
  username: 'username',
  displayName: 'displayName',
  mobile: 'mobile',
  email: 'email',
  telephone: 'telephone',
  title: 'position',
  gender: 'gender',
  employeeNumber: 'employeeNumber',
  externalId: 'externalId',
  organizationIds: 'organizationIds',
  primaryOrganizationId: 'primaryOrganizationId',
  status: 'status',
};
const ORGANIZATION_LABELS: Record<string, Dir> = { name: 'orgName', code: 'orgCode', order: 'orgOrder', parentId: 'parent', externalId: 'externalId', status: 'status' };
const USER_LABELS: Record<string, User> = { role: 'role', disabled: 'disabled', password: 'password' };
/** WeCom's name for a directory field the directory page has no label of its own for. */
const WECOM_FIELD: Record<string, string> = { managerId: 'direct_leader' };

export function useAuditText() {
  const { lang } = useLang();
  const t = useT(messages);
  const dir = useT(directoryMessages);
  const conn = useT(connectionMessages);
  const users = useT(userMessages);
  const wecom = useFieldText();
  return useMemo(() => {
    const field = (type: string | null, f: string): string => {
      const own = `field.${f}`;
      if (isAuditKey(own)) return t(own);
      if (f.startsWith('attributes.')) return t('attribute', { name: f.slice('attributes.'.length) });
      if (type === 'account' && ACCOUNT_LABELS[f]) return dir(ACCOUNT_LABELS[f]);
      if (type === 'organization' && ORGANIZATION_LABELS[f]) return dir(ORGANIZATION_LABELS[f]);
      if (type === 'user' && USER_LABELS[f]) return users(USER_LABELS[f]);
      if (type === 'connection') {
        const leaf = f === 'scope.organizationRoots' ? 'scope' : f.split('.').pop()!;
        if (Object.hasOwn(connectionMessages.en, leaf)) return conn(leaf as Conn);
      }
      return wecom.field(WECOM_FIELD[f] ?? f);
    };
    const one = (type: string | null, f: string, v: unknown): string => {
      if (v === null || v === undefined || v === '') return t('empty');
      if (typeof v === 'boolean') return t(v ? 'yes' : 'no');
      const s = String(v);
      if (f === 'status' && (s === 'enabled' || s === 'disabled')) return dir(s);
      if (f === 'gender' && (s === 'male' || s === 'female' || s === 'unspecified')) return dir(s);
      if (type === 'user' && f === 'role' && (s === 'admin' || s === 'viewer')) return users(`role_${s}`);
      const policy = `${f.split('.').pop()}-${s}`;
      if (type === 'connection' && Object.hasOwn(connectionMessages.en, policy)) return conn(policy as Conn);
      return s;
    };
    const value = (type: string | null, f: string, v: unknown): string => {
      if (Array.isArray(v)) return v.length === 0 ? t('empty') : v.map((x) => one(type, f, x)).join(lang === 'zh' ? '、' : ', ');
      return one(type, f, v);
    };
    const action = (a: string): string => (isAuditKey(a) ? t(a) : a);
    const type = (ty: string): string => {
      const k = `type.${ty}`;
      return isAuditKey(k) ? t(k) : ty;
    };
    return { field, value, action, type, t };
  }, [lang, t, dir, conn, users, wecom]);
}

/** A long value (a certificate) cut for the one-line summary; the expanded row shows it whole. */
const short = (s: string): string => (s.length > 60 ? `${s.slice(0, 57)}…` : s);

/** One change's values: before → after (a create has only after), masked or secret as recorded. */
function Values({ type, c }: { type: string | null; c: FieldChange }) {
  const a = useAuditText();
  if (c.kind === 'secret') return <Typography.Text type="secondary">{a.t('secretChanged')}</Typography.Text>;
  return (
    <>
      {'before' in c && (
        <>
          <Typography.Text delete type="secondary" data-data>
            {short(a.value(type, c.field, c.before))}
          </Typography.Text>
          {' → '}
        </>
      )}
      <Typography.Text data-data>{short(a.value(type, c.field, c.after))}</Typography.Text>
    </>
  );
}

/** The changes in one line (the Details column): "名称 HQ → Head office · 手机 138****5678 → …". */
export function ChangesLine({ entry }: { entry: AuditEntry }) {
  const a = useAuditText();
  const changes = changesOf(entry);
  return (
    <span data-testid="audit-changes-line">
      {changes.map((c, i) => (
        <span key={c.field}>
          {i > 0 && ' · '}
          <Typography.Text strong>{a.field(entry.targetType, c.field)}</Typography.Text> <Values type={entry.targetType} c={c} />
        </span>
      ))}
    </span>
  );
}

/** Keys the target cell or the diff shows already, and ids the target links to. */
const SHOWN = new Set(['name', 'username', 'path', 'fields', 'version', 'changes', 'connectionId', 'tokenId']);

/**
 * What else an entry's detail says (an import's counts, a run's connection, a new user's role), in
 * one line: known keys by label, values as the console shows them, the rest as recorded (data).
 */
export function DetailLine({ entry }: { entry: AuditEntry }) {
  const a = useAuditText();
  const items = Object.entries(entry.detail).filter(([k, v]) => !(SHOWN.has(k) && (k !== 'changes' || typeof v !== 'number')));
  if (items.length === 0) return <Typography.Text type="secondary">—</Typography.Text>;
  const valueOf = (k: string, v: unknown): string => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const counts = v as Record<string, unknown>;
      if (['create', 'update', 'unchanged'].some((c) => c in counts))
        return (['create', 'update', 'unchanged'] as const).filter((c) => c in counts).map((c) => `${a.t(c)} ${String(counts[c])}`).join(' · ');
      return JSON.stringify(v);
    }
    const known = `${k}.${String(v)}`;
    if (isAuditKey(known)) return a.t(known);
    if (k === 'role') return a.value('user', 'role', v);
    return a.value(null, k, v);
  };
  return (
    <Typography.Text type="secondary">
      {items.map(([k, v], i) => {
        const label = `detail.${k}`;
        return (
          <span key={k}>
            {i > 0 && ' · '}
            {isAuditKey(label) ? a.t(label) : <span data-data>{k}</span>}
            {a.t('colon')}
            <span data-data>{valueOf(k, v)}</span>
          </span>
        );
      })}
    </Typography.Text>
  );
}

/** The changes as a table (an expanded row): field, before, after. */
export function ChangesTable({ entry }: { entry: AuditEntry }) {
  const a = useAuditText();
  const changes = changesOf(entry);
  const created = changes.every((c) => !('before' in c));
  const cell = (c: FieldChange, side: 'before' | 'after') => {
    if (c.kind === 'secret') return side === 'after' ? <Typography.Text type="secondary">{a.t('secretChanged')}</Typography.Text> : null;
    const text = a.value(entry.targetType, c.field, c[side]);
    return (
      <Typography.Text data-data delete={side === 'before'} type={side === 'before' ? 'secondary' : undefined} style={{ display: 'block', maxHeight: 120, overflow: 'auto', whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
        {text}
      </Typography.Text>
    );
  };
  if (changes.length === 0) return <Typography.Text type="secondary">{a.t('noChanges')}</Typography.Text>;
  return (
    <Table<FieldChange>
      size="small"
      rowKey="field"
      pagination={false}
      dataSource={changes}
      data-testid="audit-diff"
      onRow={(c) => ({ 'data-testid': 'audit-diff-row', 'data-field': c.field, 'data-kind': c.kind ?? 'clear' }) as React.HTMLAttributes<HTMLElement>}
      columns={[
        {
          title: a.t('field'),
          key: 'field',
          width: 260,
          render: (_, c) => (
            <>
              {a.field(entry.targetType, c.field)}
              {c.kind === 'masked' && (
                <Tooltip title={a.t('maskedHelp')}>
                  <Tag style={{ marginInlineStart: 8 }}>{a.t('masked')}</Tag>
                </Tooltip>
              )}
            </>
          ),
        },
        ...(created ? [] : [{ title: a.t('before'), key: 'before', render: (_: unknown, c: FieldChange) => cell(c, 'before') }]),
        { title: created ? a.t('value') : a.t('after'), key: 'after', render: (_: unknown, c: FieldChange) => cell(c, 'after') },
      ]}
    />
  );
}
