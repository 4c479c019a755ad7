// What the user and group operations of one endpoint share: the store and directory, the
// endpoint with its compiled mapping and placement; `audit`, called inside each write's
// transaction (the SCIM mount records it in the audit log with the token as the actor: the entry
// commits with the write or not at all), and `changed`, after the commit (wakes the sync worker).
import type { Directory } from '../../directory/directory.js';
import type { Store, Tx } from '../../store/index.js';
import type { ScimEndpoint } from './endpoints.js';
import { ScimError } from './errors.js';
import { ScimMapping } from './mapping.js';
import { Placement } from './placement.js';

export interface WriteRecord {
  /** `scim.user.create`, `scim.group.update`, … */
  action: string;
  target: { type: 'account' | 'scim-group'; id: string };
  detail: Record<string, unknown>;
}

export interface ScimContext {
  store: Store;
  directory: Directory;
  endpoint: ScimEndpoint;
  mapping: ScimMapping;
  placement: Placement;
  audit(trx: Tx, record: WriteRecord): Promise<void>;
  changed(): void;
}

const compiled = new Map<string, { updatedAt: string; mapping: ScimMapping }>();

/** The context of an endpoint; its expressions are compiled once per settings version. */
export function scimContext(deps: Pick<ScimContext, 'store' | 'directory' | 'audit' | 'changed'>, endpoint: ScimEndpoint): ScimContext {
  let entry = compiled.get(endpoint.id);
  if (!entry || entry.updatedAt !== endpoint.updatedAt) {
    entry = { updatedAt: endpoint.updatedAt, mapping: ScimMapping.compile(endpoint.settings) };
    compiled.set(endpoint.id, entry);
  }
  return { ...deps, endpoint, mapping: entry.mapping, placement: new Placement(endpoint.settings) };
}

/** If-Match: `W/"3"`, `"3"` or `3` must name the current version, else 412. */
export function checkIfMatch(ifMatch: string | undefined, version: number, what: string): void {
  if (ifMatch === undefined || ifMatch.trim() === '*') return;
  const m = /^(?:W\/)?"?(\d+)"?$/.exec(ifMatch.trim());
  if (!m || Number(m[1]) !== version) throw new ScimError(412, `${what} is at version W/"${version}", not ${ifMatch}: read it again`);
}

/** A resource as the operations return it; the SCIM mount renders it. */
export interface ResourceRecord {
  id: string;
  resource: Record<string, unknown>;
  created: string;
  lastModified: string;
  version: number;
}

/** startIndex is 1-based; count 0 asks for the total only. */
export interface ListQuery {
  filter?: string;
  startIndex: number;
  count: number;
}
