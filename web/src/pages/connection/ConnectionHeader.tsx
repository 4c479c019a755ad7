// The form's title row: back to the list, the title, and the connection's mapping, plan, runs and orphans.
import { ArrowLeftOutlined } from '@ant-design/icons';
import { Button, Flex, Space, Typography } from 'antd';
import { Link } from 'react-router';
import type { Connection } from '../../api/types';
import { useT } from '../../i18n';
import { messages } from './messages';

export function ConnectionHeader({ name, conn }: { name: string | null; conn: Connection | null }) {
  const t = useT(messages);
  return (
    <Flex justify="space-between" align="center" wrap gap={8} style={{ margin: '8px 0 16px' }}>
      <div>
        <Link to="/connections">
          <ArrowLeftOutlined /> {t('back')}
        </Link>
        <Typography.Title level={3} style={{ margin: '4px 0 0' }}>
          {name === null ? t('newTitle') : t('editTitle', { name: conn?.name ?? name ?? '' })}
        </Typography.Title>
      </div>
      {conn && (
        <Space wrap>
          <Link to={`/connections/${encodeURIComponent(conn.name)}/mapping`}>
            <Button>{t('mapping')}</Button>
          </Link>
          <Link to={`/connections/${encodeURIComponent(conn.name)}/plan`}>
            <Button>{t('plan')}</Button>
          </Link>
          <Link to={`/connections/${encodeURIComponent(conn.name)}/runs`}>
            <Button>{t('runs')}</Button>
          </Link>
          <Link to={`/connections/${encodeURIComponent(conn.name)}/orphans`}>
            <Button>{t('orphans')}</Button>
          </Link>
        </Space>
      )}
    </Flex>
  );
}
