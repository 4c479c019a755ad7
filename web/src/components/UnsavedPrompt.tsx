// The question a held navigation asks (useUnsavedGuard): stay, or leave without saving.
import { Modal } from 'antd';
import type { Blocker } from 'react-router';
import { type Messages, useT } from '../i18n';

const messages = {
  zh: { title: '有未保存的修改', body: '离开此页面将丢失未保存的修改。', leave: '离开，不保存', stay: '留在此页' },
  en: { title: 'Unsaved changes', body: 'Leaving this page loses the changes you have not saved.', leave: 'Leave without saving', stay: 'Stay' },
} satisfies Messages;

export function UnsavedPrompt({ blocker }: { blocker: Blocker }) {
  const t = useT(messages);
  return (
    <Modal
      open={blocker.state === 'blocked'}
      title={t('title')}
      okText={t('leave')}
      okButtonProps={{ danger: true, 'data-testid': 'unsaved-leave' } as never}
      cancelText={t('stay')}
      cancelButtonProps={{ 'data-testid': 'unsaved-stay' } as never}
      onOk={() => blocker.proceed?.()}
      onCancel={() => blocker.reset?.()}
      destroyOnHidden
    >
      {t('body')}
    </Modal>
  );
}
