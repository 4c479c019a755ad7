// Phone normalisation to the forms WeCom accepts for a member's mobile: `+CC NATIONAL`, e.g.
// `+86 13800000000` or `+852 91234567` (at most 32 characters of digits and -, optionally led
// by "+CC " — the rule in src/wecom/rules). Mainland China numbers must be 11-digit mobiles.
import type { Node } from '../ast.js';
import type { CallContext, FunctionDef } from './types.js';

/** Country calling codes of one and two digits (ITU-T E.164); every other code has three. */
const SHORT_CODES = new Set([
  '1', '7',
  '20', '27', '30', '31', '32', '33', '34', '36', '39', '40', '41', '43', '44', '45', '46', '47', '48', '49',
  '51', '52', '53', '54', '55', '56', '57', '58', '60', '61', '62', '63', '64', '65', '66',
  '81', '82', '84', '86', '90', '91', '92', '93', '94', '95', '98',
]);

interface Region {
  cc: string;
  /** Valid national (significant) numbers, after any trunk prefix is removed. */
  national: RegExp;
  /** Numbers written nationally start with a trunk 0 that is dropped after the country code. */
  trunk: boolean;
}

const MAINLAND_MOBILE = /^1[3-9]\d{9}$/;

/** Default regions phone() knows by ISO 3166 code. Other countries work with an explicit +CC. */
export const PHONE_REGIONS: Readonly<Record<string, Region>> = {
  CN: { cc: '86', national: MAINLAND_MOBILE, trunk: false },
  HK: { cc: '852', national: /^[2-9]\d{7}$/, trunk: false },
  MO: { cc: '853', national: /^[2-8]\d{7}$/, trunk: false },
  TW: { cc: '886', national: /^[2-9]\d{7,8}$/, trunk: true },
  SG: { cc: '65', national: /^[3689]\d{7}$/, trunk: false },
  MY: { cc: '60', national: /^\d{8,10}$/, trunk: true },
  JP: { cc: '81', national: /^\d{9,10}$/, trunk: true },
  KR: { cc: '82', national: /^\d{8,10}$/, trunk: true },
  US: { cc: '1', national: /^[2-9]\d{9}$/, trunk: false },
  CA: { cc: '1', national: /^[2-9]\d{9}$/, trunk: false },
  GB: { cc: '44', national: /^\d{9,10}$/, trunk: true },
  AU: { cc: '61', national: /^\d{9}$/, trunk: true },
  DE: { cc: '49', national: /^\d{6,13}$/, trunk: true },
  FR: { cc: '33', national: /^\d{9}$/, trunk: true },
};

const BY_CC = new Map<string, RegExp>();
for (const r of Object.values(PHONE_REGIONS)) if (!BY_CC.has(r.cc)) BY_CC.set(r.cc, r.national);

/** Resolves a region argument: an ISO code such as "CN", or a calling code such as "+852" / "852". */
export function resolveRegion(region: string): Region | null {
  const key = region.trim().toUpperCase();
  if (Object.hasOwn(PHONE_REGIONS, key)) return PHONE_REGIONS[key]!;
  const m = /^\+?([1-9]\d{0,2})$/.exec(key);
  if (m && splitCountryCode(m[1]!)?.[0] === m[1]) return { cc: m[1]!, national: BY_CC.get(m[1]!) ?? /^\d{4,14}$/, trunk: false };
  return null;
}

function splitCountryCode(digits: string): [string, string] | null {
  if (digits.startsWith('0')) return null;
  const len = SHORT_CODES.has(digits.slice(0, 1)) ? 1 : SHORT_CODES.has(digits.slice(0, 2)) ? 2 : 3;
  if (digits.length < len) return null;
  return [digits.slice(0, len), digits.slice(len)];
}

type PhoneFormat = 'wecom' | 'national';
const FORMATS: readonly string[] = ['wecom', 'national'];

/**
 * Normalises a phone number. Returns `+CC NATIONAL` (format "wecom"), or for mainland China
 * numbers with format "national" the bare 11 digits; null when the input is not a valid number.
 */
export function normalizePhone(input: string, region: Region, format: PhoneFormat = 'wecom'): string | null {
  // NFKC turns full-width digits, plus signs and brackets typed with Chinese input methods into ASCII.
  const compact = input.normalize('NFKC').replace(/[\s\-().\u2010-\u2015]/gu, '');
  if (!/^\+?\d{4,20}$/.test(compact)) return null;
  let cc: string;
  let national: string;
  if (compact.startsWith('+') || compact.startsWith('00')) {
    const split = splitCountryCode(compact.slice(compact.startsWith('+') ? 1 : 2));
    if (!split) return null;
    [cc, national] = split;
  } else if (region.cc === '86' && compact.startsWith('86') && MAINLAND_MOBILE.test(compact.slice(2))) {
    // 86-13800000000: the country code written without + or 00.
    [cc, national] = ['86', compact.slice(2)];
  } else {
    cc = region.cc;
    national = region.trunk && compact.startsWith('0') ? compact.slice(1) : compact;
  }
  const pattern = cc === '86' ? MAINLAND_MOBILE : (BY_CC.get(cc) ?? /^\d{4,14}$/);
  if (!pattern.test(national) || cc.length + national.length > 15) return null;
  if (format === 'national' && cc === '86') return national;
  return `+${cc} ${national}`;
}

const literalText = (node: Node | undefined): string | undefined =>
  node?.kind === 'literal' && typeof node.value === 'string' ? node.value : undefined;

function regionOf(arg: string | undefined, cx: CallContext): Region {
  if (arg === undefined) return PHONE_REGIONS.CN!;
  const r = resolveRegion(arg);
  if (!r) cx.fail('E_PHONE_REGION', `unknown region ${JSON.stringify(arg)}: use one of ${Object.keys(PHONE_REGIONS).join(', ')} or a calling code such as "+852"`, 1);
  return r;
}

function formatOf(arg: string | undefined, cx: CallContext): PhoneFormat {
  if (arg === undefined) return 'wecom';
  if (!FORMATS.includes(arg)) cx.fail('E_PHONE_REGION', `unknown phone format ${JSON.stringify(arg)}: use "wecom" or "national"`, 2);
  return arg as PhoneFormat;
}

const params = [
  { name: 'number', type: 'text' as const },
  { name: 'region', type: 'text' as const, optional: true },
  { name: 'format', type: 'text' as const, optional: true },
];

function check(args: readonly Node[], cx: CallContext): void {
  regionOf(literalText(args[1]), cx);
  formatOf(literalText(args[2]), cx);
}

const FORMS_EN =
  'Spaces, dashes, dots and brackets are ignored; +CC or 00CC gives the country; a number without one is read in region (default "CN"; ISO code or "+CC"). Mainland China numbers must be 11-digit mobiles; 86-13800000000 is understood. format "wecom" (default) gives "+86 13800000000"; "national" gives mainland numbers as 11 digits. The result always satisfies WeCom\'s mobile rule.';
const FORMS_ZH =
  '忽略空格、短横线、点和括号；以 +CC 或 00CC 开头的号码按该国家/地区码解析，否则按 region 解析（默认 "CN"，可写 ISO 代码或 "+CC"）。中国大陆号码必须是 11 位手机号；也识别 86-13800000000。format 为 "wecom"（默认）时输出 "+86 13800000000"，为 "national" 时大陆号码输出 11 位数字。结果总是符合企业微信的手机号规则。';

export const PHONE_FUNCTIONS: FunctionDef[] = [
  {
    name: 'phone',
    family: 'phone',
    params,
    returns: 'string | null',
    doc: {
      en: `Normalises a mobile number to WeCom's form "+CC NUMBER", or null if it is not a valid number. ${FORMS_EN}`,
      zh: `将手机号规范为企业微信格式 "+国家码 号码"；不是有效号码时返回 null。${FORMS_ZH}`,
    },
    examples: [
      { expression: 'phone("0086 138-0000-0000")', result: '+86 13800000000' },
      { expression: 'phone("+852 9123 4567")', result: '+852 91234567' },
      { expression: 'phone("91234567", "HK")', result: '+852 91234567' },
      { expression: 'phone("12345")', result: null },
    ],
    check,
    call: ([n, region, format], cx) => normalizePhone(n as string, regionOf(region as string | undefined, cx), formatOf(format as string | undefined, cx)),
  },
  {
    name: 'phone_strict',
    family: 'phone',
    params,
    returns: 'string | null',
    doc: {
      en: `Like phone(), but a value that is not a valid number is an error (E_PHONE_INVALID) instead of null; null stays null. ${FORMS_EN}`,
      zh: `与 phone() 相同，但无效号码会报错（E_PHONE_INVALID）而不是返回 null；null 仍返回 null。${FORMS_ZH}`,
    },
    examples: [{ expression: 'phone_strict("+86 138 0000 0000")', result: '+86 13800000000' }],
    check,
    call([n, region, format], cx) {
      const out = normalizePhone(n as string, regionOf(region as string | undefined, cx), formatOf(format as string | undefined, cx));
      if (out === null) cx.fail('E_PHONE_INVALID', `${JSON.stringify(n)} is not a valid phone number`, 0);
      return out;
    },
  },
];
