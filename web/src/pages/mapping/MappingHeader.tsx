// The editor's title row: back to the connection, default or customized, unsaved changes, and
// (for administrators) reset to default and save.
import { ArrowLeftOutlined, ReloadOutlined, SaveOutlined } from '@ant-design/icons';
import { Button, Flex, Popconfirm, Space, Tag, Typography } from 'antd';
import { Link } from 'react-router';
import { useT } from '../../i18n';
import { messages } from './messages';
import type { Mapping } from '../../api/types';

export function MappingHeader({
  name,
  saved,
  dirty,
  isAdmin,
  saving,
  onReset,
  onSave,
}: {
  name: string;
  /** The stored mapping; null while loading. */
  saved: Mapping | null;
  dirty: boolean;
  isAdmin: boolean;
  saving: boolean;
  onReset: () => Promise<void>;
  onSave: () => void;
}) {
  const t = useT(messages);
  return (
    <Flex justify="space-between" align="center" wrap gap={8} style={{ margin: '8px 0 16px' }}>
      <div>
        <Link to={`/connections/${encodeURIComponent(name)}`}>
          <ArrowLeftOutlined /> {t('back', { name })}
        </Link>
        <Flex align="center" gap={8} wrap>
          <Typography.Title level={3} style={{ margin: '4px 0 0' }}>
            {t('title', { name })}
          </Typography.Title>
          {saved && (
            <Space size={4} style={{ marginTop: 4 }}>
              <Tag data-testid="mapping-is-default" color={saved.isDefault ? 'default' : 'blue'}>
                {saved.isDefault ? t('isDefault') : t('customized')}
              </Tag>
              <Typography.Text type="secondary">{t('version', { v: saved.version })}</Typography.Text>
              {dirty && <Tag color="orange">{t('unsaved')}</Tag>}
            </Space>
          )}
        </Flex>
        <Typography.Text type="secondary">{t('intro')}</Typography.Text>
      </div>
      {isAdmin && saved && (
        <Space>
          <Popconfirm placement="bottomRight" title={t('resetConfirm')} okText={t('resetOk')} cancelText={t('cancel')} onConfirm={onReset}>
            <Button data-testid="mapping-reset" icon={<ReloadOutlined />} disabled={saving}>
              {t('reset')}
            </Button>
          </Popconfirm>
          <Button data-testid="mapping-save" type="primary" icon={<SaveOutlined />} loading={saving} onClick={onSave}>
            {t('save')}
          </Button>
        </Space>
      )}
    </Flex>
  );
}
