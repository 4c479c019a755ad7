// A few expressions of the mapping language with what they give, under the editor.
import { Collapse, Flex, Typography } from 'antd';
import { useT } from '../../i18n';
import { messages } from './messages';
import { mono } from './styles';

const CHEATSHEET = [
  ['lower(username)', 'zhangsan'],
  ['coalesce(attrs.nickname, display_name)', '…'],
  ['concat(display_name, " (", employee_number, ")")', '张三 (E001)'],
  ['if(status == "disabled", 0, 1)', '1'],
  ['phone(mobile)', '+86 13800000000'],
  ['regex_replace(email, "@old\\\\.com$", "@new.com")', '…'],
  ['substring(name, 0, 32)', '…'],
  ['primary_organization.name', '销售部'],
  ['manager.username', 'lisi'],
];

export function Cheatsheet() {
  const t = useT(messages);
  return (
    <Collapse
      size="small"
      style={{ marginBottom: 16 }}
      items={[
        {
          key: 'cheatsheet',
          label: t('cheatsheet'),
          children: (
            <Flex vertical gap={4}>
              {CHEATSHEET.map(([expr, result]) => (
                <div key={expr}>
                  <Typography.Text code style={mono}>
                    {expr}
                  </Typography.Text>{' '}
                  <Typography.Text type="secondary">→ {result}</Typography.Text>
                </div>
              ))}
            </Flex>
          ),
        },
      ]}
    />
  );
}
