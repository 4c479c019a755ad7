// The connection's extended attributes: rows of name, type (text / web) and an optional expression.
import { MinusCircleOutlined, PlusOutlined } from '@ant-design/icons';
import { Button, Flex, Form, Input, Select } from 'antd';
import { mono } from '../../components/styles';
import { useT } from '../../i18n';
import { messages } from './messages';

export function ExtattrsField({ readOnly }: { readOnly: boolean }) {
  const t = useT(messages);
  return (
    <Form.Item label={t('extattrs')} extra={t('extattrsHelp')}>
      <Form.List name="extattrs">
        {(fields, { add, remove }, { errors }) => (
          <Flex vertical gap={8}>
            {fields.map((f) => (
              <Flex key={f.key} gap={8} align="flex-start" data-testid={`extattr-${f.name}`}>
                <Form.Item name={[f.name, 'name']} rules={[{ required: true, whitespace: true, message: t('required') }]} style={{ marginBottom: 0, flex: '0 1 200px' }}>
                  <Input data-testid={`field-extattrs-${f.name}-name`} placeholder={t('extattrName')} />
                </Form.Item>
                <Form.Item name={[f.name, 'type']} style={{ marginBottom: 0, width: 100 }}>
                  <Select
                    data-testid={`field-extattrs-${f.name}-type`}
                    options={[
                      { value: 'text', label: t('text') },
                      { value: 'web', label: t('web') },
                    ]}
                  />
                </Form.Item>
                <Form.Item name={[f.name, 'expression']} style={{ marginBottom: 0, flex: 1 }}>
                  <Input data-testid={`field-extattrs-${f.name}-expression`} style={mono} placeholder={t('extattrExpression')} />
                </Form.Item>
                {!readOnly && <Button type="text" icon={<MinusCircleOutlined />} onClick={() => remove(f.name)} aria-label="remove" />}
              </Flex>
            ))}
            <Form.ErrorList errors={errors} />
            {!readOnly && (
              <div>
                <Button data-testid="extattr-add" type="dashed" icon={<PlusOutlined />} onClick={() => add({ name: '', type: 'text', expression: '' })}>
                  {t('extattrAdd')}
                </Button>
              </div>
            )}
          </Flex>
        )}
      </Form.List>
    </Form.Item>
  );
}
