// A banner over every page while the service cannot decrypt some connections' stored secrets: its
// secret key (secret.key or WECOM_SYNC_SECRET_KEY) was lost or changed, and those connections can
// neither be tested nor synced until their secrets are entered again. It names them, with links to
// their settings, where saving the secrets repairs them. Read from GET /connections
// (`unreadableSecrets`) on every page change, and again when a page says it changed a connection.
import { Alert, Space, Typography } from 'antd';
import { type ReactNode, createContext, useCallback, useContext, useState } from 'react';
import { Link, useLocation } from 'react-router';
import { api, ok, seg } from '../api';
import { useApi } from '../hooks/useApi';
import { type Messages, useT } from '../i18n';

const messages = {
  zh: {
    title: '有连接保存的密钥无法解密',
    text: '服务的加密密钥（数据目录中的 secret.key 或 WECOM_SYNC_SECRET_KEY）已丢失或被更换，以下连接保存的密钥无法解密，在重新填写之前无法测试或同步。请管理员在连接设置中重新填写，或恢复原来的密钥：',
    secret: '通讯录同步Secret',
    proxyPassword: '代理密码',
  },
  en: {
    title: 'Stored connection secrets cannot be decrypted',
    text: "The service's secret key (secret.key in the data directory, or WECOM_SYNC_SECRET_KEY) was lost or changed: the secrets stored for these connections cannot be decrypted, and they can neither be tested nor synced until an admin enters them again in the connection's settings, or the original key is restored:",
    secret: 'Address Book Sync Secret',
    proxyPassword: 'proxy password',
  },
} satisfies Messages;

const RefreshContext = createContext<() => void>(() => {});

/** For pages that change a connection's secrets: re-reads which connections the banner names. */
export const useSecretsBannerRefresh = (): (() => void) => useContext(RefreshContext);

export function SecretsBanner({ children }: { children: ReactNode }) {
  const t = useT(messages);
  const location = useLocation();
  const [generation, setGeneration] = useState(0);
  const refresh = useCallback(() => setGeneration((g) => g + 1), []);
  // a failed read shows nothing here: the page itself reports what it cannot read
  const connections = useApi((signal) => ok(api.GET('/connections', { signal })), [], { refresh: `${location.key}:${generation}`, keepData: true });
  const unreadable = (connections.data?.items ?? []).filter((c) => c.unreadableSecrets.length > 0);

  return (
    <RefreshContext.Provider value={refresh}>
      {unreadable.length > 0 && (
        <Alert
          data-testid="secrets-banner"
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          message={t('title')}
          description={
            <>
              <Typography.Paragraph style={{ marginBottom: 8 }}>{t('text')}</Typography.Paragraph>
              <Space wrap size={[16, 4]}>
                {unreadable.map((c) => (
                  <span key={c.id}>
                    <Link to={`/connections/${seg(c.name)}`}>{c.name}</Link>
                    <Typography.Text type="secondary"> ({c.unreadableSecrets.map((f) => t(f)).join(', ')})</Typography.Text>
                  </span>
                ))}
              </Space>
            </>
          }
        />
      )}
      {children}
    </RefreshContext.Provider>
  );
}
