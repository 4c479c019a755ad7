// Sign-in: username and password → POST /auth/login (a session cookie), then back to where the
// user was going. 401 = wrong username or password; 429 = too many failed attempts (throttled).
import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Flex, Form, Input, Segmented, Typography } from 'antd';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { ApiError, api, ok } from '../api';
import { errorText } from '../components/formErrors';
import { type Lang, type Messages, useLang, useT } from '../i18n';
import { useSession } from '../session';

const messages = {
  zh: {
    title: '企业微信通讯录同步',
    subtitle: '登录管理控制台',
    username: '用户名',
    password: '密码',
    usernameRequired: '请输入用户名',
    passwordRequired: '请输入密码',
    submit: '登录',
    wrong: '用户名或密码错误',
    tooMany: '登录失败次数过多，请稍后再试',
    tooManyWait: '登录失败次数过多，请在 {s} 秒后再试',
    tooManyWaitMin: '登录失败次数过多，请在约 {m} 分钟后再试',
    failed: '登录失败',
  },
  en: {
    title: 'WeCom contact sync',
    subtitle: 'Sign in to the console',
    username: 'Username',
    password: 'Password',
    usernameRequired: 'Enter your username',
    passwordRequired: 'Enter your password',
    submit: 'Sign in',
    wrong: 'Wrong username or password',
    tooMany: 'Too many failed sign-in attempts; try again later',
    tooManyWait: 'Too many failed sign-in attempts; try again in {s} seconds',
    tooManyWaitMin: 'Too many failed sign-in attempts; try again in about {m} minutes',
    failed: 'Sign-in failed',
  },
} satisfies Messages;

type Failure = { kind: 'wrong' } | { kind: 'throttled'; seconds: number | null; detail: string } | { kind: 'other'; detail: string };

export function SignInPage({ next }: { next: string }) {
  const t = useT(messages);
  const { lang, setLang } = useLang();
  const { refresh } = useSession();
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);

  const submit = async (v: { username: string; password: string }) => {
    setBusy(true);
    setFailure(null);
    try {
      await ok(api.POST('/auth/login', { body: { username: v.username, password: v.password } }));
      await refresh();
      navigate(next, { replace: true });
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setFailure({ kind: 'wrong' });
      else if (e instanceof ApiError && e.status === 429) {
        const s = e.params.seconds;
        setFailure({ kind: 'throttled', seconds: typeof s === 'number' ? s : null, detail: e.message });
      } else setFailure({ kind: 'other', detail: errorText(e) });
    } finally {
      setBusy(false);
    }
  };

  let alert = null;
  if (failure?.kind === 'wrong') alert = <Alert data-testid="login-error" type="error" showIcon title={t('wrong')} />;
  else if (failure?.kind === 'throttled')
    alert = (
      <Alert
        data-testid="login-error"
        type="warning"
        showIcon
        title={
          failure.seconds === null
            ? t('tooMany')
            : failure.seconds >= 120
              ? t('tooManyWaitMin', { m: Math.ceil(failure.seconds / 60) })
              : t('tooManyWait', { s: failure.seconds })
        }
        description={failure.detail}
      />
    );
  else if (failure?.kind === 'other') alert = <Alert data-testid="login-error" type="error" showIcon title={t('failed')} description={failure.detail} />;

  return (
    <Flex vertical align="center" justify="center" style={{ minHeight: '100vh', padding: 24, background: '#f5f5f5' }}>
      <Card style={{ width: '100%', maxWidth: 400 }}>
        <Flex justify="flex-end">
          <Segmented<Lang>
            size="small"
            value={lang}
            onChange={setLang}
            options={[
              { label: '中文', value: 'zh' },
              { label: 'English', value: 'en' },
            ]}
          />
        </Flex>
        <div style={{ textAlign: 'center', margin: '8px 0 24px' }}>
          <Typography.Title level={3} style={{ marginBottom: 4 }}>
            wecom-sync
          </Typography.Title>
          <Typography.Text type="secondary">
            {t('title')} · {t('subtitle')}
          </Typography.Text>
        </div>
        <Form layout="vertical" requiredMark={false} onFinish={(v) => void submit(v)} onValuesChange={() => failure?.kind === 'wrong' && setFailure(null)}>
          <Form.Item name="username" label={t('username')} rules={[{ required: true, whitespace: true, message: t('usernameRequired') }]}>
            <Input data-testid="login-username" prefix={<UserOutlined />} autoComplete="username" autoFocus size="large" />
          </Form.Item>
          <Form.Item name="password" label={t('password')} rules={[{ required: true, message: t('passwordRequired') }]}>
            <Input.Password data-testid="login-password" prefix={<LockOutlined />} autoComplete="current-password" size="large" />
          </Form.Item>
          {alert && <div style={{ marginBottom: 16 }}>{alert}</div>}
          <Button data-testid="login-submit" type="primary" htmlType="submit" block size="large" loading={busy}>
            {t('submit')}
          </Button>
        </Form>
      </Card>
    </Flex>
  );
}
