// The console's frame: antd locale, session, the side menu and the routes. Each page lives in
// ./pages (one file per page; the big ones keep their parts in a folder beside it) and talks to the service through ./api.
import { ApiOutlined, AuditOutlined, ClusterOutlined, DatabaseOutlined, IdcardOutlined, KeyOutlined, TeamOutlined } from '@ant-design/icons';
import { App as AntApp, ConfigProvider, Layout, Menu, Segmented, Space, Spin, Typography } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Navigate, Route, Routes, useLocation, useNavigate } from 'react-router';
import { ApiError, api, ok, setUnauthorizedHandler } from './api';
import type { Me } from './api/types';
import { SecretsBanner } from './components/SecretsBanner';
import { type Lang, type Messages, useLang, useT } from './i18n';
import { AuditPage } from './pages/Audit';
import { ConnectionFormPage } from './pages/ConnectionForm';
import { ConnectionsPage } from './pages/Connections';
import { DirectoryPage } from './pages/Directory';
import { MappingPage } from './pages/Mapping';
import { PlanPage } from './pages/Plan';
import { RunDetailPage } from './pages/RunDetail';
import { RunsPage } from './pages/Runs';
import { OrphansPage } from './pages/Orphans';
import { ScimPage } from './pages/Scim';
import { SignInPage } from './pages/SignIn';
import { SourcesPage } from './pages/Sources';
import { PageTitle } from './components/PageTitle';
import { TokensPage } from './pages/Tokens';
import { UsersPage } from './pages/Users';
import { UserMenu } from './pages/users/UserMenu';
import { SessionContext } from './session';

const messages = {
  zh: { connections: '企业微信连接', directory: '目录', scim: '身份源（SCIM）', sources: '目录源（LDAP / AD）', audit: '审计日志', users: '用户', tokens: 'API 令牌', product: '企业微信通讯录同步' },
  en: { connections: 'WeCom connections', directory: 'Directory', scim: 'Identity providers', sources: 'LDAP / AD sources', audit: 'Audit log', users: 'Users', tokens: 'API tokens', product: 'WeCom contact sync' },
} satisfies Messages;

function Shell({ me, onSignOut }: { me: Me; onSignOut: () => void }) {
  const t = useT(messages);
  const { lang, setLang } = useLang();
  const location = useLocation();
  const navigate = useNavigate();
  const section = '/' + (location.pathname.split('/')[1] ?? '');
  const selected = section === '/runs' ? '/connections' : section;
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider theme="light" width={220} breakpoint="lg" collapsedWidth={0}>
        <div style={{ padding: '16px 20px' }}>
          <Typography.Title level={5} style={{ margin: 0 }}>
            wecom-sync
          </Typography.Title>
          <Typography.Text type="secondary">{t('product')}</Typography.Text>
        </div>
        <Menu
          mode="inline"
          selectedKeys={[selected]}
          onClick={(e) => navigate(e.key)}
          items={[
            { key: '/connections', icon: <ApiOutlined />, label: t('connections') },
            { key: '/directory', icon: <ClusterOutlined />, label: t('directory') },
            { key: '/scim', icon: <IdcardOutlined />, label: t('scim') },
            { key: '/sources', icon: <DatabaseOutlined />, label: t('sources') },
            { key: '/audit', icon: <AuditOutlined />, label: t('audit') },
            ...(me.role === 'admin'
              ? [
                  { key: '/users', icon: <TeamOutlined />, label: t('users') },
                  { key: '/tokens', icon: <KeyOutlined />, label: t('tokens') },
                ]
              : []),
          ]}
        />
      </Layout.Sider>
      <Layout>
        <Layout.Header style={{ background: 'transparent', display: 'flex', justifyContent: 'flex-end', alignItems: 'center' }}>
          <Space>
            <Segmented<Lang> size="small" value={lang} onChange={setLang} options={[{ label: '中文', value: 'zh' }, { label: 'English', value: 'en' }]} />
            <UserMenu me={me} onSignOut={onSignOut} />
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: '0 24px 24px' }}>
          <SecretsBanner>
            <Routes>
              <Route path="/" element={<Navigate to="/connections" replace />} />
              <Route path="/login" element={<Navigate to="/connections" replace />} />
              <Route path="/connections" element={<ConnectionsPage />} />
              <Route path="/connections/new" element={<ConnectionFormPage />} />
              <Route path="/connections/:name" element={<ConnectionFormPage />} />
              <Route path="/connections/:name/mapping" element={<MappingPage />} />
              <Route path="/connections/:name/plan" element={<PlanPage />} />
              <Route path="/connections/:name/runs" element={<RunsPage />} />
              <Route path="/connections/:name/orphans" element={<OrphansPage />} />
              <Route path="/runs/:id" element={<RunDetailPage />} />
              <Route path="/directory" element={<DirectoryPage />} />
              <Route path="/scim" element={<ScimPage />} />
              <Route path="/sources" element={<SourcesPage />} />
              <Route path="/audit" element={<AuditPage />} />
              {me.role === 'admin' && <Route path="/users" element={<UsersPage />} />}
              {me.role === 'admin' && <Route path="/tokens" element={<TokensPage />} />}
              <Route path="*" element={<Navigate to="/connections" replace />} />
            </Routes>
          </SecretsBanner>
        </Layout.Content>
      </Layout>
    </Layout>
  );
}

export function App() {
  const { lang } = useLang();
  const [me, setMe] = useState<Me | null>(null);
  const [loading, setLoading] = useState(true);
  const navigate = useNavigate();
  const location = useLocation();

  const refresh = useCallback(async () => {
    try {
      setMe(await ok(api.GET('/auth/me')));
    } catch (e) {
      if (!(e instanceof ApiError) || e.status !== 401) throw e;
      setMe(null);
    } finally {
      setLoading(false);
    }
  }, []);
  const signOut = useCallback(async () => {
    await ok(api.POST('/auth/logout')).catch(() => undefined);
    setMe(null);
    navigate('/login');
  }, [navigate]);

  useEffect(() => {
    setUnauthorizedHandler(() => setMe(null));
    void refresh();
    return () => setUnauthorizedHandler(null);
  }, [refresh]);

  const session = useMemo(() => ({ me, refresh, signOut }), [me, refresh, signOut]);
  let body;
  if (loading) body = <Spin style={{ display: 'block', marginTop: 120 }} />;
  else if (!me) {
    const next = location.pathname === '/login' ? '/connections' : location.pathname + location.search;
    body = (
      <Routes>
        <Route path="*" element={<SignInPage next={next} />} />
      </Routes>
    );
  } else body = <Shell me={me} onSignOut={() => void signOut()} />;

  return (
    <ConfigProvider locale={lang === 'zh' ? zhCN : enUS} theme={{ token: { colorPrimary: '#07c160' } }}>
      <AntApp>
        <PageTitle signedIn={me !== null} />
        <SessionContext.Provider value={session}>{body}</SessionContext.Provider>
      </AntApp>
    </ConfigProvider>
  );
}
