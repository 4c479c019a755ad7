// The one moment a SCIM token is shown: the endpoint's URL and the token, with what to enter on
// the identity provider's side.
import { Alert, Button, Descriptions, Modal, Typography } from 'antd';
import { useT } from '../../i18n';
import { messages } from './messages';

export interface IssuedToken {
  name: string;
  path: string;
  token: string;
}

/** The SCIM base URL as an identity provider reaches this service (the console's own origin). */
export const scimUrl = (path: string): string => `${window.location.origin}${path}`;

export function IssuedModal({ issued, onClose }: { issued: IssuedToken | null; onClose: () => void }) {
  const t = useT(messages);
  return (
    <Modal
      open={issued !== null}
      title={t('issuedTitle')}
      width={760}
      closable={false}
      maskClosable={false}
      destroyOnHidden
      onCancel={onClose}
      footer={
        <Button data-testid="issued-done" type="primary" onClick={onClose}>
          {t('done')}
        </Button>
      }
    >
      {issued && (
        <>
          <Typography.Paragraph type="secondary">{t('issuedText')}</Typography.Paragraph>
          <Descriptions column={1} bordered size="small" styles={{ label: { width: 170 } }}>
            <Descriptions.Item label={t('tenantUrl')}>
              <Typography.Text data-testid="issued-url" code copyable>
                {scimUrl(issued.path)}
              </Typography.Text>
            </Descriptions.Item>
            <Descriptions.Item label={t('secretToken')}>
              <Typography.Text data-testid="issued-token" code copyable style={{ wordBreak: 'break-all' }}>
                {issued.token}
              </Typography.Text>
            </Descriptions.Item>
          </Descriptions>
          <Alert
            style={{ marginTop: 16 }}
            type="info"
            showIcon
            description={
              <>
                <Typography.Paragraph style={{ marginBottom: 4 }}>{t('entraHint')}</Typography.Paragraph>
                <Typography.Paragraph style={{ marginBottom: 0 }}>{t('oktaHint')}</Typography.Paragraph>
              </>
            }
          />
        </>
      )}
    </Modal>
  );
}
