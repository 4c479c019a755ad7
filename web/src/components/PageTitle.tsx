// The browser tab's title per page, in the reader's language ("运行记录 · acme · wecom-sync"),
// and <html lang> following the chosen language (screen readers, fonts, spell checkers).
import { useEffect } from 'react';
import { useLocation } from 'react-router';
import { type Messages, useLang, useT } from '../i18n';

const messages = {
  zh: {
    connections: '企业微信连接',
    newConnection: '新建连接',
    connection: '连接设置',
    mapping: '字段映射',
    plan: '同步计划',
    runs: '运行记录',
    run: '运行详情',
    directory: '目录',
    scim: '身份源（SCIM）',
    sources: '目录源（LDAP / AD）',
    audit: '审计日志',
    users: '用户',
    tokens: 'API 令牌',
    signIn: '登录',
  },
  en: {
    connections: 'WeCom connections',
    newConnection: 'New connection',
    connection: 'Connection',
    mapping: 'Mapping',
    plan: 'Plan',
    runs: 'Runs',
    run: 'Run',
    directory: 'Directory',
    scim: 'Identity providers',
    sources: 'LDAP / AD sources',
    audit: 'Audit log',
    users: 'Users',
    tokens: 'API tokens',
    signIn: 'Sign in',
  },
} satisfies Messages;

type Key = keyof (typeof messages)['en'];

/** The page a path shows, and the connection it belongs to (if any). */
function pageOf(pathname: string): { page: Key | null; connection?: string } {
  const parts = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second, third] = parts;
  if (first === 'connections') {
    if (second === undefined) return { page: 'connections' };
    if (second === 'new' && third === undefined) return { page: 'newConnection' };
    if (third === undefined) return { page: 'connection', connection: second };
    if (third === 'mapping' || third === 'plan' || third === 'runs') return { page: third, connection: second };
    return { page: null };
  }
  if (first === 'runs' && second !== undefined) return { page: 'run' };
  if (first === 'login') return { page: 'signIn' };
  if (first === 'directory' || first === 'scim' || first === 'sources' || first === 'audit' || first === 'users' || first === 'tokens') return { page: first };
  return { page: null };
}

export function PageTitle({ signedIn }: { signedIn: boolean }) {
  const t = useT(messages);
  const { lang } = useLang();
  const { pathname } = useLocation();
  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  }, [lang]);
  useEffect(() => {
    const { page, connection } = signedIn ? pageOf(pathname) : { page: 'signIn' as const, connection: undefined };
    document.title = [page && t(page), connection, 'wecom-sync'].filter(Boolean).join(' · ');
  }, [pathname, signedIn, t]);
  return null;
}
