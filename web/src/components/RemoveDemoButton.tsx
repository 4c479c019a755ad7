// The one "Remove demo" action (DELETE /demo) with its confirmation: on the connections page's demo
// banner, and where saving a real connection was refused because the demo is active (the form).
import { App, Button, type ButtonProps, Popconfirm, type PopconfirmProps } from 'antd';
import { useState } from 'react';
import { api, ok } from '../api';
import { type Messages, useT } from '../i18n';
import { errorText } from './formErrors';

const messages = {
  zh: {
    demoRemove: '删除演示',
    demoRemoveConfirm: '删除演示连接、示例目录和模拟器中的数据？',
    demoRemoved: '演示已删除',
    demoFailed: '操作失败',
    yes: '删除',
    no: '取消',
  },
  en: {
    demoRemove: 'Remove demo',
    demoRemoveConfirm: 'Remove the demo connection, the sample directory and the simulator data?',
    demoRemoved: 'The demo was removed',
    demoFailed: 'The operation failed',
    yes: 'Remove',
    no: 'Cancel',
  },
} satisfies Messages;

/** Removes the demo after a confirmation; `onDone(removed)` runs afterwards either way (to read again). */
/** `placement`: where the confirmation opens; by the window's right edge, `bottomRight` keeps it inside. */
export function RemoveDemoButton({ onDone, testId = 'demo-remove', placement = 'top' }: { onDone: (removed: boolean) => void; testId?: string; placement?: PopconfirmProps['placement'] }) {
  const t = useT(messages);
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);
  const remove = async () => {
    setBusy(true);
    let removed = false;
    try {
      await ok(api.DELETE('/demo'));
      removed = true;
      void message.success(t('demoRemoved'));
    } catch (e) {
      void message.error(`${t('demoFailed')}: ${errorText(e)}`);
    } finally {
      setBusy(false);
      onDone(removed);
    }
  };
  return (
    <Popconfirm placement={placement} title={t('demoRemoveConfirm')} okText={t('yes')} cancelText={t('no')} okButtonProps={{ danger: true, 'data-testid': `${testId}-confirm` } as ButtonProps} onConfirm={() => remove()}>
      <Button data-testid={testId} danger loading={busy}>
        {t('demoRemove')}
      </Button>
    </Popconfirm>
  );
}
