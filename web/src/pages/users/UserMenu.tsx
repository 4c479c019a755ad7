// The signed-in user's name in the header, as a menu: change my password, (admins) users and API
// tokens, sign out.
import { DownOutlined, KeyOutlined, LockOutlined, LogoutOutlined, TeamOutlined, UserOutlined } from '@ant-design/icons';
import { Button, Dropdown } from 'antd';
import { useState } from 'react';
import { useNavigate } from 'react-router';
import type { Me } from '../../api/types';
import { useT } from '../../i18n';
import { ChangePasswordModal } from './ChangePassword';
import { messages } from './messages';

export function UserMenu({ me, onSignOut }: { me: Me; onSignOut: () => void }) {
  const t = useT(messages);
  const navigate = useNavigate();
  const [changing, setChanging] = useState(false);
  const admin = me.role === 'admin';
  return (
    <>
      <Dropdown
        trigger={['click']}
        placement="bottomRight"
        menu={{
          onClick: ({ key }) => {
            if (key === 'password') setChanging(true);
            else if (key === 'signout') onSignOut();
            else navigate(key);
          },
          items: [
            // an API token (kind 'token') cannot change a password; the console signs in users only
            ...(me.kind === 'user' ? [{ key: 'password', icon: <LockOutlined />, label: <span data-testid="menu-password">{t('changePassword')}</span> }] : []),
            ...(admin
              ? [
                  { key: '/users', icon: <TeamOutlined />, label: <span data-testid="menu-users">{t('users')}</span> },
                  { key: '/tokens', icon: <KeyOutlined />, label: <span data-testid="menu-tokens">{t('tokens')}</span> },
                ]
              : []),
            { type: 'divider' as const },
            { key: 'signout', icon: <LogoutOutlined />, label: <span data-testid="menu-signout">{t('signOut')}</span> },
          ],
        }}
      >
        <Button type="text" data-testid="whoami" icon={<UserOutlined />}>
          {me.username} ({t(`role_${me.role}`)}) <DownOutlined style={{ fontSize: 10 }} />
        </Button>
      </Dropdown>
      <ChangePasswordModal open={changing} onClose={() => setChanging(false)} />
    </>
  );
}
