// An empty directory says how to fill it: create an organization here, import a CSV or JSON file,
// connect an identity provider (SCIM), or try the demo company (offered on the connections page).
import { ApiOutlined, ExperimentOutlined, PlusOutlined, UploadOutlined } from '@ant-design/icons';
import { Button, Flex, Typography } from 'antd';
import { Link } from 'react-router';
import { useT } from '../../i18n';
import { messages } from './messages';

export function EmptyDirectory({ isAdmin, onCreateOrg, onImport }: { isAdmin: boolean; onCreateOrg: () => void; onImport?: () => void }) {
  const t = useT(messages);
  return (
    <Flex vertical gap={8} data-testid="directory-empty">
      <Typography.Text strong>{t('emptyTitle')}</Typography.Text>
      <Typography.Text type="secondary">{t('emptyHow')}</Typography.Text>
      {isAdmin && (
        <Button type="primary" icon={<PlusOutlined />} onClick={onCreateOrg} data-testid="empty-new-org">
          {t('newOrg')}
        </Button>
      )}
      {isAdmin && onImport && (
        <Button icon={<UploadOutlined />} onClick={onImport} data-testid="empty-import">
          {t('importFile')}
        </Button>
      )}
      <Link to="/scim" style={{ display: 'block' }}>
        <Button block icon={<ApiOutlined />}>
          {t('emptyScim')}
        </Button>
      </Link>
      <Link to="/connections" style={{ display: 'block' }}>
        <Button block icon={<ExperimentOutlined />}>
          {t('emptyDemo')}
        </Button>
      </Link>
      {!isAdmin && <Typography.Text type="secondary">{t('emptyAskAdmin')}</Typography.Text>}
    </Flex>
  );
}
