// A realistic small Chinese company as LDAP entries under one base: nested OUs, people with
// Chinese names (cn=张三), pinyin uids, mobiles and e-mail, one person with two mail values, plus a
// service account and a group the default user filter must leave out.

export interface LdapEntry {
  dn: string;
  attributes: Record<string, string | string[]>;
}

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '周', '吴'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋', '勇', '艳', '杰', '娟', '涛'];
const PINYIN_S = ['wang', 'li', 'zhang', 'liu', 'chen', 'yang', 'huang', 'zhao', 'zhou', 'wu'];
const PINYIN_G = ['wei', 'fang', 'na', 'min', 'jing', 'li', 'qiang', 'lei', 'jun', 'yang', 'yong', 'yan', 'jie', 'juan', 'tao'];

/** OU paths below the base, parents first. */
export const OUS = [['总部'], ['总部', '研发中心'], ['总部', '研发中心', '平台部'], ['总部', '研发中心', '应用部'], ['总部', '销售部'], ['总部', '销售部', '华北区'], ['总部', '销售部', '华东区'], ['总部', '人力资源部']];

export const ouDn = (path: string[], base: string): string => [...path].reverse().map((p) => `ou=${p}`).join(',') + ',' + base;

export function company(base: string, people: number): { entries: LdapEntry[]; users: Array<{ uid: string; cn: string; dn: string; ou: string[] }> } {
  const entries: LdapEntry[] = [{ dn: base, attributes: { objectClass: ['organization'], o: base.split(',')[0]!.split('=')[1]! } }];
  for (const p of OUS) entries.push({ dn: ouDn(p, base), attributes: { objectClass: ['organizationalUnit'], ou: p[p.length - 1]! } });
  const leaves = OUS.filter((p) => !OUS.some((q) => q.length === p.length + 1 && q.slice(0, p.length).join('/') === p.join('/')));
  const users: Array<{ uid: string; cn: string; dn: string; ou: string[] }> = [];
  for (let i = 0; i < people; i++) {
    const s = i % SURNAMES.length;
    const g = Math.floor(i / SURNAMES.length) % GIVEN.length;
    const uid = `${PINYIN_S[s]}.${PINYIN_G[g]}${i}`;
    const cn = `${SURNAMES[s]}${GIVEN[g]}${i >= 150 ? i : ''}`;
    const ou = leaves[i % leaves.length]!;
    const dn = `uid=${uid},${ouDn(ou, base)}`;
    users.push({ uid, cn, dn, ou });
    entries.push({
      dn,
      attributes: {
        objectClass: ['inetOrgPerson'],
        uid,
        cn,
        sn: SURNAMES[s]!,
        mail: i === 0 ? [`${uid}@example.cn`, `${uid}@old.example.cn`] : `${uid}@example.cn`,
        mobile: `+86 138${String(10_000_000 + i).slice(-8)}`,
        title: i % 7 === 0 ? '经理' : '工程师',
        employeeNumber: String(1000 + i),
      },
    });
  }
  entries.push({ dn: `cn=backup-bot,${ouDn(['总部'], base)}`, attributes: { objectClass: ['applicationProcess'], cn: 'backup-bot' } });
  entries.push({ dn: `cn=全体员工,${ouDn(['总部'], base)}`, attributes: { objectClass: ['groupOfNames'], cn: '全体员工', member: users[0]!.dn } });
  return { entries, users };
}
