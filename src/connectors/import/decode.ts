// Text decoding of import files. Excel in China saves "CSV" as GB18030 (GBK); Excel's
// "CSV UTF-8" adds a BOM. Detection: a UTF-8 BOM or valid UTF-8 -> UTF-8; otherwise GB18030.
// Bytes valid in neither are reported per line, with nothing imported.
import { type CodedText, type FlatParams, coded } from '../../messages/index.js';
import iconv from 'iconv-lite';
import type { RowError } from './types.js';

export type Encoding = 'utf8' | 'gb18030';
export type EncodingOption = Encoding | 'auto';

interface Decoded {
  text: string;
  encoding: Encoding;
  errors: RowError[];
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export function parseEncodingOption(value: string | undefined): EncodingOption | null {
  if (value === undefined || value === '' || value === 'auto') return 'auto';
  const v = value.toLowerCase().replace(/[-_]/g, '');
  if (v === 'utf8') return 'utf8';
  if (v === 'gb18030' || v === 'gbk' || v === 'gb2312') return 'gb18030';
  return null;
}

function linesWithReplacement(text: string, message: CodedText<FlatParams>): RowError[] {
  const errors: RowError[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && errors.length < 20; i++) {
    if (lines[i]!.includes('\uFFFD')) errors.push({ row: i + 1, column: '', ...message });
  }
  return errors;
}

export function decode(buf: Buffer, option: EncodingOption = 'auto'): Decoded {
  const hasBom = buf.subarray(0, 3).equals(BOM);
  const body = hasBom ? buf.subarray(3) : buf;
  if (option === 'utf8' || option === 'auto') {
    try {
      return { text: new TextDecoder('utf-8', { fatal: true }).decode(body), encoding: 'utf8', errors: [] };
    } catch {
      if (option === 'utf8' || hasBom) {
        const text = new TextDecoder('utf-8').decode(body);
        return {
          text,
          encoding: 'utf8',
          errors: linesWithReplacement(text, coded('row.invalid-utf8')),
        };
      }
    }
  }
  const text = iconv.decode(body, 'gb18030');
  return {
    text,
    encoding: 'gb18030',
    errors: text.includes('\uFFFD')
      ? linesWithReplacement(text, coded('row.invalid-bytes'))
      : [],
  };
}
