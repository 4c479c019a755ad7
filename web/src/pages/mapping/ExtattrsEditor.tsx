// The extended attributes of the mapping: a list of cards, each a name, a type and its value
// expression (text) or URL and title expressions (web). Adding and removing count as edits.
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Card, Flex, Form, Input, Select, Typography } from 'antd';
import { useT } from '../../i18n';
import { messages } from './messages';
import { mono } from './styles';
import type { FormValues } from './types';

export function ExtattrsEditor({ isAdmin, onChange }: { isAdmin: boolean; onChange: () => void }) {
  const t = useT(messages);
  const form = Form.useFormInstance<FormValues>();
  return (
    <Card title={t('extattrs')} size="small" style={{ marginBottom: 16 }}>
      <Typography.Paragraph type="secondary" style={{ fontSize: 12 }}>
        {t('extattrsHelp')}
      </Typography.Paragraph>
      <Form.List name="extattrs">
        {(fields, { add, remove }) => (
          <Flex vertical gap={8}>
            {fields.map((f) => (
              <Card key={f.key} size="small" data-testid={`mapping-extattr-${f.name}`} styles={{ body: { padding: 10 } }}>
                <Flex gap={8} align="flex-start">
                  <Form.Item name={[f.name, 'name']} style={{ marginBottom: 0, flex: 1 }}>
                    <Input data-testid={`mapping-extattrs-${f.name}-name`} placeholder={t('extattrName')} />
                  </Form.Item>
                  <Form.Item name={[f.name, 'type']} style={{ marginBottom: 0, width: 100 }}>
                    <Select
                      options={[
                        { value: 'text', label: t('text') },
                        { value: 'web', label: t('web') },
                      ]}
                    />
                  </Form.Item>
                  {isAdmin && (
                    <Button
                      type="text"
                      icon={<MinusCircleOutlined />}
                      aria-label="remove"
                      onClick={() => {
                        remove(f.name);
                        onChange();
                      }}
                    />
                  )}
                </Flex>
                <Form.Item noStyle shouldUpdate={(a: FormValues, b: FormValues) => a.extattrs?.[f.name]?.type !== b.extattrs?.[f.name]?.type}>
                  {() =>
                    form.getFieldValue(['extattrs', f.name, 'type']) === 'web' ? (
                      <>
                        <Form.Item name={[f.name, 'url']} style={{ margin: '8px 0 0' }}>
                          <Input data-testid={`mapping-extattrs-${f.name}-url`} style={mono} spellCheck={false} placeholder={t('extattrUrl')} />
                        </Form.Item>
                        <Form.Item name={[f.name, 'title']} style={{ margin: '8px 0 0' }}>
                          <Input data-testid={`mapping-extattrs-${f.name}-title`} style={mono} spellCheck={false} placeholder={t('extattrTitle')} />
                        </Form.Item>
                      </>
                    ) : (
                      <Form.Item name={[f.name, 'value']} style={{ margin: '8px 0 0' }}>
                        <Input data-testid={`mapping-extattrs-${f.name}-value`} style={mono} spellCheck={false} placeholder={t('extattrValue')} />
                      </Form.Item>
                    )
                  }
                </Form.Item>
              </Card>
            ))}
            {isAdmin && (
              <div>
                <Button
                  data-testid="mapping-extattr-add"
                  type="dashed"
                  icon={<PlusOutlined />}
                  onClick={() => {
                    add({ name: '', type: 'text', value: '', url: '', title: '' });
                    onChange();
                  }}
                >
                  {t('addExtattr')}
                </Button>
              </div>
            )}
          </Flex>
        )}
      </Form.List>
    </Card>
  );
}
