// Deleting from the directory (administrators), each after a confirmation that says what happens
// in WeCom. An organization with sub-organizations or accounts cannot be deleted: the console says
// so in the admin's language, with the counts, before asking — and again if the server refuses
// (409: something was added meanwhile).
import { App } from 'antd';
import { useCallback } from 'react';
import { ApiError, api, ok } from '../../api';
import { useT } from '../../i18n';
import { messages } from './messages';
import { countAccounts } from './queries';
import type { Account, Organization } from '../../api/types';

export function useDeletes({ onOrgDeleted, onAccountDeleted }: { onOrgDeleted: (o: Organization) => void; onAccountDeleted: (a: Account) => void }) {
  const t = useT(messages);
  const { modal, message } = App.useApp();

  /** The refusal, in the admin's language, when `org` still has sub-organizations or accounts; null when it has none. */
  const inUse = useCallback(
    async (org: Organization): Promise<string | null> => {
      const signal = new AbortController().signal;
      const [kids, accounts] = await Promise.all([
        ok(api.GET('/organizations', { params: { query: { parentId: org.id, limit: 1000 } }, signal })),
        countAccounts({ organizationId: org.id }, signal),
      ]);
      const children = kids.items.length;
      if (children === 0 && accounts === 0) return null;
      return t('orgInUse', { name: org.name, children, accounts });
    },
    [t],
  );

  const deleteOrg = useCallback(
    async (org: Organization) => {
      const refusal = await inUse(org).catch(() => null);
      if (refusal) {
        modal.warning({ title: t('orgNotDeletable', { name: org.name }), content: <span data-testid="org-delete-refused">{refusal}</span>, okText: t('close') });
        return;
      }
      modal.confirm({
        title: t('deleteOrgTitle', { name: org.name }),
        content: t('deleteOrgBody'),
        okText: t('delete'),
        okType: 'danger',
        cancelText: t('cancel'),
        okButtonProps: { 'data-testid': 'confirm-delete' } as never,
        onOk: async () => {
          try {
            await ok(api.DELETE('/organizations/{id}', { params: { path: { id: org.id } } }));
            message.success(t('orgDeleted', { name: org.name }));
            onOrgDeleted(org);
          } catch (e) {
            // 409: a sub-organization or an account arrived since the check
            const fresh = e instanceof ApiError && e.status === 409 ? await inUse(org).catch(() => null) : null;
            modal.error({ title: t('orgNotDeletable', { name: org.name }), content: fresh ?? (e as Error).message, okText: t('close') });
          }
        },
      });
    },
    [inUse, modal, message, onOrgDeleted, t],
  );

  const deleteAccount = useCallback(
    (a: Account) => {
      modal.confirm({
        title: t('deleteAccountTitle', { name: a.displayName, username: a.username }),
        content: t('deleteAccountBody'),
        okText: t('delete'),
        okType: 'danger',
        cancelText: t('cancel'),
        okButtonProps: { 'data-testid': 'confirm-delete' } as never,
        onOk: async () => {
          try {
            await ok(api.DELETE('/accounts/{id}', { params: { path: { id: a.id } } }));
            message.success(t('accountDeleted', { username: a.username }));
            onAccountDeleted(a);
          } catch (e) {
            modal.error({ title: t('notDeleted'), content: (e as Error).message, okText: t('close') });
          }
        },
      });
    },
    [modal, message, onAccountDeleted, t],
  );

  return { deleteOrg, deleteAccount };
}
