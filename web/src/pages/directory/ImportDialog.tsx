// Importing a CSV or JSON file into the directory (administrators), in two steps: choosing the file
// runs a dry run (POST /directory/import?dryRun=true: nothing is written) and shows what would be
// created, updated or left unchanged and every row error; Import then runs it for real, in one
// transaction. A file with row errors imports nothing, unless the admin chooses to skip those rows.
// The file goes as base64, so a GB18030 CSV from Excel arrives intact (the server detects it).
import { InboxOutlined } from '@ant-design/icons';
import { Alert, App, Checkbox, Col, Flex, Modal, Row, Statistic, Table, Typography, Upload } from 'antd';
import { useState } from 'react';
import { ApiError, api, ok } from '../../api';
import { useServerText, useT } from '../../i18n';
import { messages } from './messages';
import type { ApiPaths } from '../../api/types';

type Report = ApiPaths['/directory/import']['post']['responses'][200]['content']['application/json'];
type RowError = Report['errors'][number];

/** The server's limit (src/server/routes/directory-io.ts). */
const MAX_BYTES = 16 * 1024 * 1024;

function toBase64(buf: ArrayBuffer): string {
  const bytes = new Uint8Array(buf);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

interface Chosen {
  fileName: string;
  contentBase64: string;
}

export function ImportDialog({ open, onClose, onImported }: { open: boolean; onClose: () => void; onImported: () => void }) {
  const t = useT(messages);
  const serverText = useServerText();
  const { message } = App.useApp();
  const [file, setFile] = useState<Chosen | null>(null);
  const [preview, setPreview] = useState<Report | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [skipInvalid, setSkipInvalid] = useState(false);

  const reset = () => {
    setFile(null);
    setPreview(null);
    setError(null);
    setSkipInvalid(false);
  };
  const close = () => {
    reset();
    onClose();
  };

  const run = (chosen: Chosen, dryRun: boolean, skip: boolean) =>
    ok(api.POST('/directory/import', { params: { query: { dryRun: dryRun ? 'true' : 'false', skipInvalid: skip ? 'true' : 'false' } }, body: chosen }));

  const choose = async (f: File) => {
    reset();
    if (f.size > MAX_BYTES) {
      setError(t('importTooLarge', { mb: (f.size / 1024 / 1024).toFixed(1) }));
      return;
    }
    const chosen = { fileName: f.name, contentBase64: toBase64(await f.arrayBuffer()) };
    setFile(chosen);
    setBusy(true);
    try {
      setPreview(await run(chosen, true, false));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const errors = preview?.errors ?? [];
  const importable = preview !== null && (errors.length === 0 || skipInvalid);
  const nothingToDo =
    preview !== null && preview.organizations.create + preview.organizations.update + preview.accounts.create + preview.accounts.update === 0;

  const confirm = async () => {
    if (!file || !preview) return;
    setBusy(true);
    setError(null);
    try {
      const done = await run(file, false, skipInvalid);
      message.success(
        t('imported', {
          orgs: done.organizations.create + done.organizations.update,
          accounts: done.accounts.create + done.accounts.update,
        }),
      );
      reset();
      onImported();
    } catch (e) {
      // 422: the file no longer passes (the directory changed since the preview)
      if (e instanceof ApiError && e.status === 422) setPreview(await run(file, true, false).catch(() => preview));
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const counts = (title: string, c: Report['accounts'], testId: string) => (
    <Col span={12}>
      <Typography.Text strong>{title}</Typography.Text>
      <Row gutter={8} data-testid={testId}>
        <Col span={8}>
          <Statistic title={t('toCreate')} value={c.create} />
        </Col>
        <Col span={8}>
          <Statistic title={t('toUpdate')} value={c.update} />
        </Col>
        <Col span={8}>
          <Statistic title={t('unchanged')} value={c.unchanged} />
        </Col>
      </Row>
    </Col>
  );

  return (
    <Modal
      open={open}
      title={t('importTitle')}
      width={760}
      onCancel={close}
      onOk={() => void confirm()}
      okText={t('importConfirm')}
      cancelText={t('cancel')}
      confirmLoading={busy && preview !== null}
      okButtonProps={{ disabled: !importable || nothingToDo, 'data-testid': 'import-confirm' } as never}
      destroyOnHidden
    >
      <Flex vertical gap={12} data-testid="import-dialog">
        <Typography.Text type="secondary">{t('importHelp')}</Typography.Text>
        <Upload.Dragger
          accept=".csv,.json,text/csv,application/json"
          multiple={false}
          showUploadList={false}
          beforeUpload={(f) => {
            void choose(f);
            return false;
          }}
          data-testid="import-file"
        >
          <p className="ant-upload-drag-icon">
            <InboxOutlined />
          </p>
          <p className="ant-upload-text">{file ? file.fileName : t('importChoose')}</p>
          <p className="ant-upload-hint">{t('importFormats')}</p>
        </Upload.Dragger>
        {error && <Alert type="error" showIcon title={error} data-testid="import-error" />}
        {busy && !preview && <Alert type="info" showIcon title={t('importChecking')} />}
        {preview && (
          <div data-testid="import-preview">
            <Row gutter={24} style={{ marginBottom: 12 }}>
              {counts(t('organizations'), preview.organizations, 'import-orgs')}
              {counts(t('accountsLabel'), preview.accounts, 'import-accounts')}
            </Row>
            {errors.length === 0 ? (
              <Alert type={nothingToDo ? 'info' : 'success'} showIcon title={nothingToDo ? t('importNothing') : t('importReady')} />
            ) : (
              <>
                <Alert type="warning" showIcon title={t('importHasErrors', { n: errors.length })} style={{ marginBottom: 8 }} />
                <Table<RowError>
                  size="small"
                  rowKey={(e) => `${e.section ?? ''}-${e.row}-${e.column}-${e.message}`}
                  dataSource={errors}
                  pagination={errors.length > 8 ? { pageSize: 8, size: 'small' } : false}
                  data-testid="import-errors"
                  columns={[
                    { title: t('importRow'), dataIndex: 'row', width: 70, render: (r: number, e) => (e.section ? `${e.section === 'accounts' ? t('accountsLabel') : t('organizations')} ${r}` : r) },
                    { title: t('importColumn'), dataIndex: 'column', width: 140, render: (c: string) => (c ? <Typography.Text code>{c}</Typography.Text> : '—') },
                    { title: t('importMessage'), dataIndex: 'message', render: (m: string, e) => <span data-testid="import-error-text">{serverText(e.code ? { code: e.code, params: e.params ?? {} } : null, m)}</span> },
                  ]}
                />
                <Checkbox checked={skipInvalid} onChange={(e) => setSkipInvalid(e.target.checked)} style={{ marginTop: 8 }} data-testid="import-skip-invalid">
                  {t('importSkipInvalid')}
                </Checkbox>
              </>
            )}
          </div>
        )}
      </Flex>
    </Modal>
  );
}
