// The connection form's request bodies: a new connection sends scope and policies only when they
// differ from the defaults; an edit sends only what changed (a policy alone, the threshold's one
// number, the scope or null for "the whole directory again") and nothing when nothing changed.
import { describe, expect, it } from 'vitest';
import type { Connection } from '../../api/types';
import { DEFAULT_POLICIES, emptyValues, fromConnection } from './form';
import { type SubmittedValues, createBody, patchBody } from './patch';

const stored: Connection = {
  id: 'con_1', name: 'acme', corpId: 'ww0123456789abcdef', rootDepartmentId: 1, defaultDepartmentId: null, extattrs: [], proxies: [],
  proxyUsername: null, proxyCaPem: null, apiBase: 'https://qyapi.weixin.qq.com', caPem: null, rateBudget: null, rateSharePercent: 100,
  effectiveRateBudget: [], scope: { organizationRoots: ['org_a'] },
  policies: { onAccountDeleted: 'disable', onAccountDisabled: 'disable', onOrganizationDeleted: 'delete', safety: { maxDeletes: 50, maxDeletePercent: 20 } },
  hasSecret: true, hasProxyPassword: false, unreadableSecrets: [], version: 3, createdAt: '', updatedAt: '', demo: false,
};
const edited = (change: (v: SubmittedValues) => void): SubmittedValues => {
  const v = fromConnection(stored) as SubmittedValues;
  change(v);
  return v;
};

describe('the connection form body', () => {
  it('creates with the defaults left out, and with scope and changed policies when set', () => {
    const base = { ...emptyValues(), name: 'acme', corpId: 'ww0123456789abcdef', secret: 's', rootDepartmentId: 1 };
    const plain = createBody(base);
    expect(plain.scope).toBeUndefined();
    expect(plain.policies).toBeUndefined();
    const v: SubmittedValues = { ...base, scope: { organizationRoots: ['org_a', 'org_b', 'org_a'] }, policies: { ...DEFAULT_POLICIES, onAccountDeleted: 'delete', safety: { maxDeletes: 10, maxDeletePercent: 20 } } };
    const body = createBody(v);
    expect(body.scope).toEqual({ organizationRoots: ['org_a', 'org_b'] });
    expect(body.policies).toEqual({ onAccountDeleted: 'delete', safety: { maxDeletes: 10 } });
  });

  it('sends nothing for an untouched edit', () => {
    expect(patchBody(edited(() => {}), stored)).toEqual({});
  });

  it('sends only the policy and the threshold number that changed', () => {
    expect(patchBody(edited((v) => (v.policies.onOrganizationDeleted = 'keep')), stored)).toEqual({ policies: { onOrganizationDeleted: 'keep' } });
    expect(patchBody(edited((v) => (v.policies.safety.maxDeletePercent = 5)), stored)).toEqual({ policies: { safety: { maxDeletePercent: 5 } } });
    // an emptied number keeps the stored value (the form requires it anyway)
    expect(patchBody(edited((v) => (v.policies.safety.maxDeletes = null as unknown as number)), stored)).toEqual({});
  });

  it('sends the scope when its set changed, null for the whole directory, nothing for another order', () => {
    expect(patchBody(edited((v) => (v.scope.organizationRoots = ['org_a', 'org_b'])), stored)).toEqual({ scope: { organizationRoots: ['org_a', 'org_b'] } });
    expect(patchBody(edited((v) => (v.scope.organizationRoots = [])), stored)).toEqual({ scope: null });
    const two = { ...stored, scope: { organizationRoots: ['org_a', 'org_b'] } };
    const v = fromConnection(two) as SubmittedValues;
    v.scope.organizationRoots = ['org_b', 'org_a'];
    expect(patchBody(v, two)).toEqual({});
  });
});
