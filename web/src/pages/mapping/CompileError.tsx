// A mapping error as the service reports it: the field, the message, and the expression with a
// caret under the position; and the alert listing those of a failed save.
import { Alert, Tooltip, Typography } from 'antd';
import type { FieldError } from '../../api';
import { useLang, useT } from '../../i18n';
import { mappingErrorText, splitMessage } from './errors';
import { messages } from './messages';
import { pre } from './styles';

export function CompileError({ e }: { e: FieldError }) {
  const { lang } = useLang();
  const { text, pointer } = splitMessage(e.field, e.message);
  const said = mappingErrorText(lang, { ...e, text });
  return (
    <div data-testid={`preview-error-${e.field}`} data-code={e.code}>
      <Typography.Text code>{e.field}</Typography.Text>{' '}
      <Tooltip title={said === text ? undefined : text}>
        <Typography.Text>{said}</Typography.Text>
      </Tooltip>
      {pointer && <pre style={{ ...pre, background: '#fff', borderColor: '#ffccc7' }}>{pointer}</pre>}
    </div>
  );
}

export interface SaveError {
  title: string;
  /** The errors no field of the form shows. */
  rest: FieldError[];
}

export function SaveErrorAlert({ error, onClose }: { error: SaveError; onClose: () => void }) {
  const t = useT(messages);
  return (
    <Alert
      data-testid="mapping-error"
      type="error"
      showIcon
      closable={{ onClose }}
      title={`${t('saveFailed')}: ${error.title}`}
      description={
        error.rest.length ? (
          <ul style={{ margin: 0, paddingLeft: 18 }}>
            {error.rest.map((e, i) => (
              <li key={i}>
                <CompileError e={e} />
              </li>
            ))}
          </ul>
        ) : undefined
      }
      style={{ marginBottom: 16 }}
    />
  );
}
