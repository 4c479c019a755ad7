// Reading an LDAP server with ldapts (a maintained, dependency-light TypeScript client; 8.x runs
// on Node 20): connect over ldap://, ldap:// + StartTLS or ldaps:// with an optional CA, bind,
// and paged subtree searches. The I/O edge of the LDAP source: everything it returns is plain data
// (RawEntry) for the pure mapper and planner.
import { Client, InvalidCredentialsError } from 'ldapts';
import type { KeyedDn } from './plan.js';
import { coded } from '../../messages/index.js';
import { SourceConnectError } from './errors.js';
import type { LdapSettings } from './settings.js';
import { BINARY_ATTRIBUTES, type RawEntry, first, fromLdapts } from './values.js';

export interface LdapReader {
  /** The root DSE (namingContexts, supportedControl, AD's highestCommittedUSN, …). */
  rootDse(attributes?: string[]): Promise<RawEntry>;
  /** One entry by DN (base scope), or null. */
  entry(dn: string, attributes: string[]): Promise<RawEntry | null>;
  /** (key, DN) of every entry under the base DN matching the filter; key '' when the entry shows none. */
  keys(baseDn: string, filter: string, keyAttribute: string): Promise<KeyedDn[]>;
  /** How many entries under the base DN match the filter. */
  count(baseDn: string, filter: string): Promise<number>;
  /** Entries under the base DN matching the filter, with these attributes. */
  entries(baseDn: string, filter: string, attributes: string[]): Promise<RawEntry[]>;
  close(): Promise<void>;
}

type ConnectSettings = Pick<LdapSettings, 'url' | 'startTls' | 'ca' | 'bindDn' | 'pageSize'>;

const TIMEOUT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 10_000;

function describe(err: unknown): string {
  const e = err as { message?: string; code?: string | number };
  return e?.message || String(e?.code ?? err);
}

/** Connects and binds; throws SourceConnectError with what went wrong (never the password). */
export async function openReader(s: ConnectSettings, password: string | null): Promise<LdapReader> {
  const url = new URL(s.url);
  const tlsOptions = { ...(s.ca ? { ca: [s.ca] } : {}), servername: url.hostname, minVersion: 'TLSv1.2' as const };
  // ldapts speaks TLS from the start whenever tlsOptions are given: only for ldaps://
  const client = new Client({ url: s.url, timeout: TIMEOUT_MS, connectTimeout: CONNECT_TIMEOUT_MS, ...(url.protocol === 'ldaps:' ? { tlsOptions } : {}), strictDN: false });
  const where = `${url.protocol}//${url.host}`;
  try {
    if (s.startTls) {
      try {
        await client.startTLS(tlsOptions);
      } catch (err) {
        throw new SourceConnectError(coded('error.source-starttls', { where, detail: describe(err) }), err);
      }
    }
    try {
      if (s.bindDn !== '') await client.bind(s.bindDn, password ?? '');
      else await client.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ['1.1'] });
    } catch (err) {
      if (err instanceof SourceConnectError) throw err;
      if (err instanceof InvalidCredentialsError) throw new SourceConnectError(coded('error.source-bind-refused', { where, bindDn: s.bindDn }), err);
      const detail = describe(err);
      throw new SourceConnectError(s.bindDn !== '' ? coded('error.source-bind-failed', { where, bindDn: s.bindDn, detail }) : coded('error.source-unreachable', { where, detail }), err);
    }
  } catch (err) {
    await client.unbind().catch(() => undefined);
    throw err;
  }

  const search = async (base: string, filter: string, attributes: string[], scope: 'base' | 'sub'): Promise<RawEntry[]> => {
    const out: RawEntry[] = [];
    const explicitBufferAttributes = BINARY_ATTRIBUTES.filter((b) => attributes.some((a) => a.toLowerCase() === b.toLowerCase()));
    try {
      if (scope === 'base') {
        const r = await client.search(base, { scope, filter, attributes, explicitBufferAttributes });
        for (const e of r.searchEntries) out.push(fromLdapts(e));
      } else {
        for await (const page of client.searchPaginated(base, { scope, filter, attributes, explicitBufferAttributes, paged: { pageSize: s.pageSize } }))
          for (const e of page.searchEntries) out.push(fromLdapts(e));
      }
    } catch (err) {
      if ((err as { code?: number }).code === 32 /* noSuchObject */ && scope === 'base') return [];
      throw new SourceConnectError(`the search of "${base}" with ${filter} on ${where} failed: ${describe(err)}`, err);
    }
    return out;
  };

  return {
    rootDse: async (attributes = ['*', '+']) => (await search('', '(objectClass=*)', attributes, 'base'))[0] ?? { dn: '', attributes: {} },
    entry: async (dn, attributes) => (await search(dn, '(objectClass=*)', attributes, 'base'))[0] ?? null,
    keys: async (base, filter, keyAttribute) => {
      const out: KeyedDn[] = [];
      for (const e of await search(base, filter, [keyAttribute], 'sub')) {
        out.push({ key: first(e, keyAttribute)?.toLowerCase() ?? '', dn: e.dn });
      }
      return out;
    },
    count: async (base, filter) => (await search(base, filter, ['1.1'], 'sub')).length,
    entries: (base, filter, attributes) => search(base, filter, attributes, 'sub'),
    close: async () => {
      await client.unbind().catch(() => undefined);
    },
  };
}
