// The mapping editor's code blocks: JSON of the preview, caret pointers under expressions.
import { mono } from '../../components/styles';

export { mono };

export const pre = {
  ...mono,
  fontSize: 12,
  margin: '4px 0 0',
  padding: 8,
  background: '#fafafa',
  border: '1px solid #f0f0f0',
  borderRadius: 6,
  whiteSpace: 'pre' as const,
  overflowX: 'auto' as const,
};
