// The way from the demo to a real connection, on the connection form: while the demo is active a
// new connection is told up front that it may not sync the sample company; a save the server
// refused for that reason (409 `demo-active`, with `code` and `params`) is said in the user's
// language. Both offer the console's own Remove demo button and a pointer to the Scope field.
import { Alert, Button, Space } from 'antd';
import { ApiError } from '../../api';
import type { Organization } from '../../api/types';
import { RemoveDemoButton } from '../../components/RemoveDemoButton';
import { useT } from '../../i18n';
import { messages } from './messages';

export interface DemoConflict {
  code: 'demo-active.whole-directory' | 'demo-active.sample-organization' | 'demo-active.outside-sample';
  params: Record<string, string | number>;
  /** The server's English default, shown for a code this console does not know. */
  detail: string;
}

const CODES: ReadonlySet<string> = new Set(['demo-active.whole-directory', 'demo-active.sample-organization', 'demo-active.outside-sample']);

/** The demo conflict a failed save answered with, or null for any other failure. */
export function demoConflictOf(e: unknown): DemoConflict | null {
  if (!(e instanceof ApiError) || e.status !== 409) return null;
  const b = (e.body ?? {}) as { type?: string; code?: string; params?: Record<string, string | number>; detail?: string };
  if (b.type !== 'urn:wecom-sync:problem:demo-active') return null;
  return { code: (CODES.has(b.code ?? '') ? b.code : 'demo-active.whole-directory') as DemoConflict['code'], params: b.params ?? {}, detail: b.detail ?? e.message };
}

/** A demo conflict in the user's language (organizations by name when `orgs` has them). */
export function useDemoConflictText(orgs: Organization[] | null): (c: DemoConflict, company?: string) => string {
  const t = useT(messages);
  return (c, company = '') => {
    const id = c.params.organizationId;
    const org = id === undefined ? t('wholeDirectory') : (orgs?.find((x) => x.id === id)?.name ?? String(id));
    return t(c.code, { company: String(c.params.company ?? company), organization: org });
  };
}

export function DemoNotice({
  conflict,
  company,
  orgs,
  onChooseScope,
  onRemoved,
}: {
  /** The refusal of the last save; null: the notice shown before saving. */
  conflict: DemoConflict | null;
  /** The sample company's name (GET /demo) for the notice before saving. */
  company: string;
  orgs: Organization[] | null;
  onChooseScope: () => void;
  onRemoved: () => void;
}) {
  const t = useT(messages);
  const conflictText = useDemoConflictText(orgs);
  const text = conflict ? conflictText(conflict, company) : t('demoNoticeText', { company });
  return (
    <Alert
      data-testid={conflict ? 'demo-conflict' : 'demo-notice'}
      data-code={conflict?.code}
      type={conflict ? 'error' : 'info'}
      showIcon
      title={conflict ? t('demoConflictTitle') : t('demoNoticeTitle')}
      description={
        <Space direction="vertical" size={8}>
          <span>{text}</span>
          {conflict?.code !== 'demo-active.outside-sample' && (
            <Space wrap>
              <RemoveDemoButton testId="form-demo-remove" onDone={(removed) => removed && onRemoved()} />
              <Button data-testid="choose-scope" onClick={onChooseScope}>
                {t('chooseScope')}
              </Button>
            </Space>
          )}
        </Space>
      }
      style={{ marginBottom: 16, maxWidth: 860 }}
    />
  );
}
