// The demo's sample company: 星河科技有限公司, a realistic Chinese company tree (33 organizations,
// three levels) with about 300 people — names drawn from common surnames and given-name
// characters, pinyin usernames, +86 mobiles, e-mails at xinghe-tech.example (a reserved example
// domain: nothing is ever delivered), positions, employee numbers, and managers (each team reports
// to its lead, each lead to the department head, each head to the CEO).
//
// Deterministic: a seeded generator (mulberry32), no Math.random and no clock, so the same seed
// (and the same taken usernames) gives the same company. Pure: it describes the company with its
// own keys (`o01`, `a001`); src/demo/demo.ts gives the objects directory ids and writes them.

export interface SampleOrganization {
  /** The generator's key (stable for a seed), not a directory id. */
  key: string;
  name: string;
  /** null for the company itself. */
  parentKey: string | null;
  /** Sibling order as the directory reads it: smaller first, so the list order below is the order shown (the default mapping reverses it for WeCom). */
  order: number;
  code: string;
}

export interface SampleAccount {
  key: string;
  username: string;
  displayName: string;
  /** `+86 1xxxxxxxxxx` */
  mobile: string;
  email: string;
  telephone: string | null;
  title: string;
  gender: 'male' | 'female';
  employeeNumber: string;
  /** The manager's key; null for the CEO. */
  managerKey: string | null;
  organizationKey: string;
}

export interface SampleCompany {
  name: string;
  /** The short name WeCom shows for the company (the simulator's root department). */
  shortName: string;
  /** E-mail domain (RFC 2606 reserved: nothing is ever delivered). */
  domain: string;
  organizations: SampleOrganization[];
  accounts: SampleAccount[];
}

interface SampleOptions {
  /** Default 20241125. */
  seed?: number;
  /** Usernames already in the directory (lower case): the generator picks others. */
  takenUsernames?: ReadonlySet<string>;
}

export const SAMPLE_COMPANY_NAME = '星河科技有限公司';
export const SAMPLE_COMPANY_SHORT_NAME = '星河科技';
const SAMPLE_EMAIL_DOMAIN = 'xinghe-tech.example';
export const DEFAULT_SEED = 20241125;

/** mulberry32: a small, fast, well-distributed 32-bit generator; enough for sample data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ------------------------------------------------------------------ names

/** Common surnames, most frequent first (picked with a bias towards the front), with their pinyin. */
const SURNAMES: ReadonlyArray<readonly [string, string]> = [
  ['王', 'wang'], ['李', 'li'], ['张', 'zhang'], ['刘', 'liu'], ['陈', 'chen'], ['杨', 'yang'], ['黄', 'huang'], ['赵', 'zhao'],
  ['吴', 'wu'], ['周', 'zhou'], ['徐', 'xu'], ['孙', 'sun'], ['马', 'ma'], ['朱', 'zhu'], ['胡', 'hu'], ['郭', 'guo'],
  ['何', 'he'], ['高', 'gao'], ['林', 'lin'], ['罗', 'luo'], ['郑', 'zheng'], ['梁', 'liang'], ['谢', 'xie'], ['宋', 'song'],
  ['唐', 'tang'], ['许', 'xu'], ['韩', 'han'], ['冯', 'feng'], ['邓', 'deng'], ['曹', 'cao'], ['彭', 'peng'], ['曾', 'zeng'],
  ['肖', 'xiao'], ['田', 'tian'], ['董', 'dong'], ['袁', 'yuan'], ['潘', 'pan'], ['于', 'yu'], ['蒋', 'jiang'], ['蔡', 'cai'],
  ['余', 'yu'], ['杜', 'du'], ['叶', 'ye'], ['程', 'cheng'], ['苏', 'su'], ['魏', 'wei'], ['吕', 'lv'], ['丁', 'ding'],
  ['任', 'ren'], ['沈', 'shen'], ['姚', 'yao'], ['卢', 'lu'], ['姜', 'jiang'], ['崔', 'cui'], ['钟', 'zhong'], ['谭', 'tan'],
  ['陆', 'lu'], ['汪', 'wang'], ['范', 'fan'], ['金', 'jin'], ['石', 'shi'], ['廖', 'liao'], ['贾', 'jia'], ['夏', 'xia'],
  ['韦', 'wei'], ['方', 'fang'], ['白', 'bai'], ['邹', 'zou'], ['孟', 'meng'], ['熊', 'xiong'], ['秦', 'qin'], ['邱', 'qiu'],
  ['江', 'jiang'], ['尹', 'yin'], ['薛', 'xue'], ['段', 'duan'], ['雷', 'lei'], ['侯', 'hou'], ['龙', 'long'], ['史', 'shi'],
  ['陶', 'tao'], ['黎', 'li'], ['贺', 'he'], ['顾', 'gu'], ['毛', 'mao'], ['郝', 'hao'], ['龚', 'gong'], ['邵', 'shao'],
  ['万', 'wan'], ['钱', 'qian'], ['严', 'yan'], ['武', 'wu'], ['戴', 'dai'], ['孔', 'kong'], ['汤', 'tang'], ['欧阳', 'ouyang'],
];

const MALE_CHARS: ReadonlyArray<readonly [string, string]> = [
  ['伟', 'wei'], ['强', 'qiang'], ['磊', 'lei'], ['军', 'jun'], ['勇', 'yong'], ['杰', 'jie'], ['涛', 'tao'], ['斌', 'bin'],
  ['超', 'chao'], ['明', 'ming'], ['刚', 'gang'], ['平', 'ping'], ['辉', 'hui'], ['鹏', 'peng'], ['华', 'hua'], ['飞', 'fei'],
  ['鑫', 'xin'], ['波', 'bo'], ['宇', 'yu'], ['浩', 'hao'], ['凯', 'kai'], ['健', 'jian'], ['俊', 'jun'], ['帆', 'fan'],
  ['旭', 'xu'], ['宁', 'ning'], ['阳', 'yang'], ['晨', 'chen'], ['博', 'bo'], ['文', 'wen'], ['志', 'zhi'], ['建', 'jian'],
  ['国', 'guo'], ['峰', 'feng'], ['亮', 'liang'], ['成', 'cheng'], ['东', 'dong'], ['海', 'hai'], ['翔', 'xiang'], ['毅', 'yi'],
  ['振', 'zhen'], ['天', 'tian'], ['瑞', 'rui'], ['皓', 'hao'], ['轩', 'xuan'], ['然', 'ran'], ['哲', 'zhe'], ['睿', 'rui'],
  ['子', 'zi'], ['嘉', 'jia'], ['泽', 'ze'], ['宏', 'hong'], ['永', 'yong'], ['立', 'li'], ['远', 'yuan'], ['诚', 'cheng'],
];

const FEMALE_CHARS: ReadonlyArray<readonly [string, string]> = [
  ['芳', 'fang'], ['娜', 'na'], ['敏', 'min'], ['静', 'jing'], ['丽', 'li'], ['艳', 'yan'], ['娟', 'juan'], ['霞', 'xia'],
  ['燕', 'yan'], ['玲', 'ling'], ['婷', 'ting'], ['雪', 'xue'], ['慧', 'hui'], ['颖', 'ying'], ['琳', 'lin'], ['欣', 'xin'],
  ['洁', 'jie'], ['倩', 'qian'], ['晶', 'jing'], ['丹', 'dan'], ['萍', 'ping'], ['红', 'hong'], ['琴', 'qin'], ['云', 'yun'],
  ['莉', 'li'], ['璐', 'lu'], ['佳', 'jia'], ['梅', 'mei'], ['月', 'yue'], ['悦', 'yue'], ['瑶', 'yao'], ['怡', 'yi'],
  ['雯', 'wen'], ['蕾', 'lei'], ['雅', 'ya'], ['诗', 'shi'], ['梦', 'meng'], ['媛', 'yuan'], ['妍', 'yan'], ['婧', 'jing'],
  ['薇', 'wei'], ['晴', 'qing'], ['曦', 'xi'], ['彤', 'tong'], ['菲', 'fei'], ['馨', 'xin'], ['晓', 'xiao'], ['思', 'si'],
];

/** Mainland mobile prefixes of the three carriers. */
const MOBILE_PREFIXES = ['130', '131', '132', '133', '135', '136', '137', '138', '139', '150', '151', '152', '153', '155', '156', '158', '159', '177', '180', '181', '182', '183', '185', '186', '187', '188', '189', '199'];

// ------------------------------------------------------------------ the tree

interface UnitSpec {
  name: string;
  code: string;
  /** People in the unit besides its head (or lead). */
  staff: number;
  /** The head's (or lead's) title. */
  head: string;
  /** Titles of the staff, picked with a bias towards the front (the first is the most common). */
  titles: string[];
  /** Office telephone prefix of the site (a few departments sit elsewhere). */
  site?: 'sh' | 'sz' | 'bj' | 'cd';
  units?: UnitSpec[];
}

const ENGINEER = ['软件工程师', '高级软件工程师', '资深软件工程师', '架构师'];

/** The company's departments (level 2) and teams (level 3). 1 + 10 + 22 = 33 organizations. */
const DEPARTMENTS: UnitSpec[] = [
  { name: '总裁办', code: 'CEO', staff: 5, head: '首席执行官', titles: ['总裁助理', '副总裁', '董事会秘书', '行政秘书'] },
  {
    name: '研发中心', code: 'RD', staff: 0, head: '首席技术官', titles: [],
    units: [
      { name: '平台研发部', code: 'RD-PLT', staff: 29, head: '平台研发部经理', titles: ENGINEER },
      { name: '移动端研发部', code: 'RD-MOB', staff: 21, head: '移动端研发部经理', titles: ['Android 开发工程师', 'iOS 开发工程师', '高级移动开发工程师', '鸿蒙开发工程师'] },
      { name: '前端开发部', code: 'RD-FE', staff: 19, head: '前端开发部经理', titles: ['前端开发工程师', '高级前端开发工程师', '资深前端开发工程师'] },
      { name: '测试部', code: 'RD-QA', staff: 15, head: '测试部经理', titles: ['测试工程师', '高级测试工程师', '自动化测试工程师', '性能测试工程师'] },
      { name: '运维部', code: 'RD-OPS', staff: 9, head: '运维部经理', titles: ['运维工程师', 'SRE 工程师', '数据库管理员', '安全工程师'] },
      { name: '数据智能部', code: 'RD-AI', staff: 13, head: '数据智能部经理', titles: ['数据工程师', '算法工程师', '数据分析师', '机器学习工程师'], site: 'bj' },
    ],
  },
  {
    name: '产品部', code: 'PM', staff: 5, head: '产品总监', titles: ['产品经理', '高级产品经理', '产品专员'],
    units: [
      { name: '用户体验设计组', code: 'PM-UX', staff: 9, head: '设计组组长', titles: ['交互设计师', '视觉设计师', '用户研究员'] },
      { name: '产品运营组', code: 'PM-OP', staff: 9, head: '运营组组长', titles: ['产品运营专员', '内容运营', '用户运营', '数据运营'] },
    ],
  },
  {
    name: '市场部', code: 'MKT', staff: 0, head: '市场总监', titles: [],
    units: [
      { name: '品牌推广组', code: 'MKT-BR', staff: 7, head: '品牌经理', titles: ['品牌专员', '公关专员', '文案策划', '活动策划'] },
      { name: '数字营销组', code: 'MKT-DM', staff: 8, head: '数字营销经理', titles: ['新媒体运营', '投放优化师', '增长专员', 'SEO 专员'] },
    ],
  },
  {
    name: '销售中心', code: 'SALES', staff: 0, head: '销售副总裁', titles: [],
    units: [
      { name: '华东大区', code: 'S-EC', staff: 19, head: '华东大区总经理', titles: ['客户经理', '销售代表', '高级客户经理', '售前工程师', '销售助理'] },
      { name: '华南大区', code: 'S-SC', staff: 15, head: '华南大区总经理', titles: ['客户经理', '销售代表', '高级客户经理', '售前工程师', '销售助理'], site: 'sz' },
      { name: '华北大区', code: 'S-NC', staff: 15, head: '华北大区总经理', titles: ['客户经理', '销售代表', '高级客户经理', '售前工程师', '销售助理'], site: 'bj' },
      { name: '西南大区', code: 'S-SW', staff: 9, head: '西南大区总经理', titles: ['客户经理', '销售代表', '售前工程师'], site: 'cd' },
      { name: '大客户部', code: 'S-KA', staff: 7, head: '大客户部经理', titles: ['大客户经理', '解决方案顾问', '商务经理'] },
    ],
  },
  {
    name: '客户成功部', code: 'CS', staff: 0, head: '客户成功总监', titles: [],
    units: [
      { name: '技术支持组', code: 'CS-TS', staff: 11, head: '技术支持主管', titles: ['技术支持工程师', '实施工程师', '高级技术支持工程师'] },
      { name: '客户服务组', code: 'CS-CX', staff: 9, head: '客户服务主管', titles: ['客户成功经理', '客服专员', '培训讲师'] },
    ],
  },
  {
    name: '人力资源部', code: 'HR', staff: 0, head: '人力资源总监', titles: [],
    units: [
      { name: '招聘组', code: 'HR-TA', staff: 4, head: '招聘经理', titles: ['招聘专员', '高级招聘顾问'] },
      { name: '薪酬福利组', code: 'HR-CB', staff: 3, head: '薪酬福利经理', titles: ['薪酬专员', '社保专员'] },
      { name: '培训发展组', code: 'HR-LD', staff: 3, head: '培训发展经理', titles: ['培训专员', '组织发展专员'] },
    ],
  },
  {
    name: '财务部', code: 'FIN', staff: 0, head: '财务总监', titles: [],
    units: [
      { name: '会计组', code: 'FIN-AC', staff: 5, head: '会计主管', titles: ['会计', '总账会计', '税务会计', '出纳'] },
      { name: '资金管理组', code: 'FIN-TR', staff: 3, head: '资金经理', titles: ['资金专员', '财务分析师'] },
    ],
  },
  { name: '行政部', code: 'ADM', staff: 7, head: '行政经理', titles: ['行政专员', '前台', 'IT 支持专员', '司机'] },
  { name: '法务部', code: 'LEG', staff: 3, head: '法务经理', titles: ['法务专员', '合规专员'] },
];

const SITE_PHONE: Record<NonNullable<UnitSpec['site']>, string> = { sh: '021-6088', sz: '0755-8666', bj: '010-5918', cd: '028-6512' };

// ------------------------------------------------------------------ generator

/** The sample company for a seed: always the same tree; people, names and numbers drawn from the seed. */
export function sampleCompany(opts: SampleOptions = {}): SampleCompany {
  const random = seededRandom(opts.seed ?? DEFAULT_SEED);
  const int = (n: number): number => Math.floor(random() * n);
  /** Biased towards the front of the list (common surnames, the usual title). */
  const front = <T>(list: readonly T[], bias = 1.8): T => list[Math.floor(list.length * random() ** bias)]!;
  const pick = <T>(list: readonly T[]): T => list[int(list.length)]!;

  const organizations: SampleOrganization[] = [];
  const accounts: SampleAccount[] = [];
  const taken = new Set(opts.takenUsernames ?? []);
  const mobiles = new Set<string>();
  const extensions = new Set<string>();

  const addOrg = (name: string, parentKey: string | null, order: number, code: string): string => {
    const key = `o${String(organizations.length + 1).padStart(2, '0')}`;
    organizations.push({ key, name, parentKey, order, code: code === '' ? 'XH' : `XH-${code}` });
    return key;
  };

  const person = (organizationKey: string, title: string, managerKey: string | null, site: UnitSpec['site']): string => {
    const female = random() < 0.42;
    const [surname, surnamePinyin] = front(SURNAMES);
    const chars = female ? FEMALE_CHARS : MALE_CHARS;
    const given = random() < 0.7 ? [pick(chars), pick(chars)] : [pick(chars)];
    if (given.length === 2 && given[0]![0] === given[1]![0] && random() < 0.7) given.pop(); // 伟伟 is rare outside nicknames
    const displayName = surname + given.map((g) => g[0]).join('');
    const base = surnamePinyin + given.map((g) => g[1]).join('');
    let username = base;
    for (let n = 2; taken.has(username.toLowerCase()); n++) username = `${base}${n}`;
    taken.add(username.toLowerCase());
    let mobile: string;
    do mobile = `+86 ${pick(MOBILE_PREFIXES)}${String(int(1e8)).padStart(8, '0')}`;
    while (mobiles.has(mobile));
    mobiles.add(mobile);
    let telephone: string | null = null;
    if (random() < 0.6) {
      let ext: string;
      do ext = `${SITE_PHONE[site ?? 'sh']}${String(int(1e4)).padStart(4, '0')}`;
      while (extensions.has(ext));
      extensions.add(ext);
      telephone = ext;
    }
    const key = `a${String(accounts.length + 1).padStart(3, '0')}`;
    accounts.push({
      key,
      username,
      displayName,
      mobile,
      email: `${username}@${SAMPLE_EMAIL_DOMAIN}`,
      telephone,
      title,
      gender: female ? 'female' : 'male',
      employeeNumber: `XH${String(10001 + accounts.length)}`,
      managerKey,
      organizationKey,
    });
    return key;
  };

  const root = addOrg(SAMPLE_COMPANY_NAME, null, 0, '');
  let ceo: string | null = null;
  DEPARTMENTS.forEach((dept, i) => {
    const deptKey = addOrg(dept.name, root, (i + 1) * 100, dept.code);
    const head = person(deptKey, dept.head, ceo, dept.site);
    if (ceo === null) ceo = head; // 总裁办 comes first: its head is the CEO, everyone's top manager
    for (let s = 0; s < dept.staff; s++) person(deptKey, front(dept.titles), head, dept.site);
    (dept.units ?? []).forEach((unit, j) => {
      const unitKey = addOrg(unit.name, deptKey, (j + 1) * 100, unit.code);
      const lead = person(unitKey, unit.head, head, unit.site ?? dept.site);
      for (let s = 0; s < unit.staff; s++) person(unitKey, front(unit.titles), lead, unit.site ?? dept.site);
    });
  });
  return { name: SAMPLE_COMPANY_NAME, shortName: SAMPLE_COMPANY_SHORT_NAME, domain: SAMPLE_EMAIL_DOMAIN, organizations, accounts };
}
