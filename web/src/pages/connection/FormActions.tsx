// Under the connection form: why saving failed (with the errors no field shows), and the
// administrator's buttons: create / save, test, delete (the demo's connection: Remove demo).
import { DeleteOutlined, SaveOutlined, ThunderboltOutlined } from '@ant-design/icons';
import { Alert, Button, Flex, Popconfirm, Space, Typography } from 'antd';
import type { FieldError } from '../../api';
import type { Connection } from '../../api/types';
import { RemoveDemoButton } from '../../components/RemoveDemoButton';
import { useT } from '../../i18n';
import { messages } from './messages';

export function SaveErrorAlert({ error, otherErrors }: { error: string; otherErrors: FieldError[] }) {
  const t = useT(messages);
  return (
    <Alert
      data-testid="connection-error"
      type="error"
      showIcon
      title={`${t('saveFailed')}: ${error}`}
      description={
        otherErrors.length > 0 ? (
          <ul style={{ margin: 0, paddingLeft: 20 }}>
            {otherErrors.map((e) => (
              <li key={e.field + e.message}>
                <Typography.Text code>{e.field}</Typography.Text> {e.message}
              </li>
            ))}
          </ul>
        ) : undefined
      }
      style={{ marginBottom: 16 }}
    />
  );
}

export function FormActions({
  isNew,
  conn,
  saving,
  testing,
  dirty,
  onTest,
  onDelete,
  onDemoRemoved,
}: {
  isNew: boolean;
  conn: Connection | null;
  saving: boolean;
  testing: boolean;
  /** The form differs from what is saved (the test uses the saved settings). */
  dirty: boolean;
  onTest: () => void;
  onDelete: () => Promise<void>;
  /** The demo's connection is removed with the demo: Remove demo stands where Delete would (then back to the list). */
  onDemoRemoved: () => void;
}) {
  const t = useT(messages);
  const editing = !isNew;
  return (
    <Flex justify="space-between" wrap gap={8}>
      <Space wrap>
        <Button data-testid="connection-save" type="primary" htmlType="submit" icon={<SaveOutlined />} loading={saving}>
          {isNew ? t('create') : t('save')}
        </Button>
        {editing && (
          <Button data-testid="connection-test" icon={<ThunderboltOutlined />} loading={testing} onClick={onTest} disabled={false}>
            {testing ? t('testing') : t('test')}
          </Button>
        )}
        {editing && dirty && <Typography.Text type="secondary">{t('testDirty')}</Typography.Text>}
      </Space>
      {editing && conn?.demo && <RemoveDemoButton testId="connection-demo-remove" onDone={(removed) => removed && onDemoRemoved()} />}
      {editing && conn && !conn.demo && (
        <Popconfirm
          title={t('deleteConfirm', { name: conn.name })}
          okText={t('deleteOk')}
          cancelText={t('cancel')}
          okButtonProps={{ danger: true }}
          onConfirm={onDelete}
        >
          <Button data-testid="connection-delete" danger icon={<DeleteOutlined />} disabled={false}>
            {t('delete')}
          </Button>
        </Popconfirm>
      )}
    </Flex>
  );
}
