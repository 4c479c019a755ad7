// Builders for directory objects in mapping tests.
import type { Account } from '../../../src/domain/account.js';
import type { Organization } from '../../../src/domain/organization.js';
import { type CompiledMapping, type MappingDefinition, compileMapping, defaultMappingDefinition, isCompiled } from '../../../src/mapping/definitions/index.js';

const STAMP = '2026-11-25T00:00:00.000Z';

export function org(id: string, name: string, parentId: string | null, extra: Partial<Organization> = {}): Organization {
  return { id, externalId: null, name, parentId, order: 0, code: null, status: 'enabled', attributes: {}, version: 1, createdAt: STAMP, updatedAt: STAMP, ...extra };
}

export function account(id: string, username: string, displayName: string, organizationIds: string[], extra: Partial<Account> = {}): Account {
  return {
    id, externalId: null, username, displayName, mobile: null, email: null, telephone: null, title: null, gender: 'unspecified',
    employeeNumber: null, managerId: null, organizationIds, primaryOrganizationId: organizationIds[0]!, status: 'enabled', attributes: {},
    version: 1, createdAt: STAMP, updatedAt: STAMP, ...extra,
  };
}

export function compiled(def: MappingDefinition = defaultMappingDefinition()): CompiledMapping {
  const r = compileMapping(def);
  if (!isCompiled(r)) throw new Error(`definition does not compile: ${JSON.stringify(r.errors)}`);
  return r;
}

/** A definition built from the default with some parts replaced. */
export function withDefault(patch: (d: MappingDefinition) => void): MappingDefinition {
  const d = defaultMappingDefinition();
  patch(d);
  return d;
}

/** A large synthetic directory: `orgCount` organizations in a 10-ary tree, `accountCount` accounts. */
export function bigDirectory(orgCount: number, accountCount: number): { organizations: Organization[]; accounts: Account[] } {
  const organizations: Organization[] = [];
  for (let i = 0; i < orgCount; i++) {
    const parent = i === 0 ? null : `org_${String(Math.floor((i - 1) / 10)).padStart(6, '0')}`;
    organizations.push(org(`org_${String(i).padStart(6, '0')}`, `部门${i}`, parent, { order: i % 100, code: `D${i}` }));
  }
  const accounts: Account[] = [];
  for (let i = 0; i < accountCount; i++) {
    const o1 = `org_${String(i % orgCount).padStart(6, '0')}`;
    const o2 = `org_${String((i * 7 + 3) % orgCount).padStart(6, '0')}`;
    accounts.push(
      account(`acc_${String(i).padStart(7, '0')}`, `User.${i}@corp.com`, `员工${i}`, o1 === o2 ? [o1] : [o1, o2], {
        mobile: `+86 138${String(i).padStart(8, '0')}`,
        email: `user${i}@corp.com`,
        title: i % 3 === 0 ? '工程师' : '经理',
        gender: i % 3 === 0 ? 'male' : i % 3 === 1 ? 'female' : 'unspecified',
        status: i % 50 === 0 ? 'disabled' : 'enabled',
        managerId: i > 0 ? `acc_${String(Math.floor(i / 10)).padStart(7, '0')}` : null,
        attributes: { cost_center: `CC${i % 20}` },
      }),
    );
  }
  return { organizations, accounts };
}
