// Import planning: from a directory snapshot and parsed rows to the batch of creates and updates
// that would make the directory match the file, plus row-level errors. Pure (no I/O): the dry-run
// runs it on a read snapshot, the apply inside the write transaction (Directory.applyBatch).
//
// Matching: organizations by external id, else by path; accounts by external id, else by username
// (case-insensitive). Columns a file does not have are left as they are; a present but empty cell
// clears the value (for attr.NAME: removes the attribute). Nothing is deleted by an import.
import {
  type Account, type AccountFields, type Gender, checkAccountFields, checkEmail, checkUsername, diffAccount,
  normalizeMobile, usernameKey,
} from '../../domain/account.js';
import { type AttributeValue, type Attributes, type FieldError, type Status, sameAttributes } from '../../domain/common.js';
import { type Organization, PATH_SEPARATOR, checkOrganizationFields, checkOrganizationName, diffOrganization } from '../../domain/organization.js';
import type { BatchPlan, DirectorySnapshot } from '../../directory/directory.js';
import { type FlatParams, coded } from '../../messages/index.js';
import { newId } from '../../store/ids.js';
import { ATTRIBUTE_PREFIX } from './parse.js';
import type { Counts, ImportSummary, InputRecord, ParsedFile, RowError, Section } from './types.js';

interface PlanOptions {
  /** Apply the valid rows and report the others, instead of rejecting the whole file. */
  skipInvalid?: boolean;
  /** Called every few thousand rows. */
  onProgress?: (done: number, total: number) => void;
  now?: string;
}

export interface PlanOutcome {
  plan: BatchPlan;
  summary: ImportSummary;
  /** Rows (per section) left out because of errors. */
  skippedRows: number;
}

const STATUS_WORDS: Record<string, Status> = {
  enabled: 'enabled', enable: 'enabled', active: 'enabled', true: 'enabled', yes: 'enabled', '1': 'enabled',
  启用: 'enabled', 正常: 'enabled', 在职: 'enabled',
  disabled: 'disabled', disable: 'disabled', inactive: 'disabled', false: 'disabled', no: 'disabled', '0': 'disabled',
  禁用: 'disabled', 停用: 'disabled', 离职: 'disabled',
};
const GENDER_WORDS: Record<string, Gender> = {
  male: 'male', m: 'male', 男: 'male', '1': 'male',
  female: 'female', f: 'female', 女: 'female', '2': 'female',
  unspecified: 'unspecified', unknown: 'unspecified', 未知: 'unspecified', '0': 'unspecified',
};
const ACCOUNT_FIELD_COLUMN: Record<string, string> = {
  username: 'username', displayName: 'name', email: 'email', mobile: 'mobile', telephone: 'telephone', title: 'title',
  employeeNumber: 'employee_number', externalId: 'external_id', organizationIds: 'organizations', gender: 'gender', status: 'status',
};

interface Cell {
  present: boolean;
  value: string | null;
}

function cell(values: InputRecord, key: string): Cell {
  if (!values.has(key)) return { present: false, value: null };
  const v = values.get(key);
  if (v === null || v === undefined) return { present: true, value: null };
  if (typeof v === 'string') return { present: true, value: v.trim() === '' ? null : v.trim() };
  if (typeof v === 'number' || typeof v === 'boolean') return { present: true, value: String(v) };
  return { present: true, value: JSON.stringify(v) };
}

function splitPath(path: string): { segments: string[]; error: Text | null } {
  const trimmed = path.trim().replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return { segments: [], error: coded('row.path-empty') };
  const segments = trimmed.split(PATH_SEPARATOR).map((s) => s.trim());
  for (const s of segments) {
    if (s === '') return { segments, error: coded('row.path-empty-segment', { path }) };
    const bad = checkOrganizationName(s);
    // the English names the path; the code says what is wrong with the name (the row and column say where)
    if (bad) return { segments, error: { ...bad, message: `organization name "${s}" in path "${path}" ${bad.message}` } };
  }
  return { segments, error: null };
}

// ------------------------------------------------------------------------------- virtual tree

interface OrgNode {
  org: Organization;
  original: Organization | null;
  /** Touched by a row (explicitly or as a referenced ancestor / account organization). */
  touched: boolean;
  /** Row that named this organization explicitly (organizations files). */
  explicitRow: number | null;
}

class VirtualTree {
  readonly nodes = new Map<string, OrgNode>();
  private readonly children = new Map<string, Map<string, string>>();
  private readonly byExt = new Map<string, string>();

  constructor(orgs: Organization[], private readonly now: string) {
    for (const o of orgs) {
      this.nodes.set(o.id, { org: { ...o }, original: o, touched: false, explicitRow: null });
      this.index(o.id);
    }
  }

  private key(parentId: string | null): string {
    return parentId ?? '';
  }

  private index(id: string): void {
    const o = this.nodes.get(id)!.org;
    let m = this.children.get(this.key(o.parentId));
    if (!m) this.children.set(this.key(o.parentId), (m = new Map()));
    m.set(o.name, id);
    if (o.externalId !== null) this.byExt.set(o.externalId, id);
  }

  private unindex(id: string): void {
    const o = this.nodes.get(id)!.org;
    const m = this.children.get(this.key(o.parentId));
    if (m?.get(o.name) === id) m.delete(o.name);
    if (o.externalId !== null && this.byExt.get(o.externalId) === id) this.byExt.delete(o.externalId);
  }

  child(parentId: string | null, name: string): string | undefined {
    return this.children.get(this.key(parentId))?.get(name);
  }

  byExternalId(ext: string): string | undefined {
    return this.byExt.get(ext);
  }

  /** Follows existing names from the root; `ids` are the organizations found, in order. */
  walk(segments: string[]): { ids: string[]; anchor: string | null } {
    const ids: string[] = [];
    let parent: string | null = null;
    for (const s of segments) {
      const id = this.child(parent, s);
      if (!id) break;
      ids.push(id);
      parent = id;
    }
    return { ids, anchor: parent };
  }

  /** True when `a` is `b` or one of b's ancestors. */
  isSelfOrAncestor(a: string, b: string | null): boolean {
    let cur = b;
    let guard = 0;
    while (cur !== null && guard++ < 100_000) {
      if (cur === a) return true;
      cur = this.nodes.get(cur)?.org.parentId ?? null;
    }
    return false;
  }

  pathOf(id: string): string {
    const names: string[] = [];
    let cur: string | null = id;
    let guard = 0;
    while (cur !== null && guard++ < 100_000) {
      const n = this.nodes.get(cur);
      if (!n) break;
      names.unshift(n.org.name);
      cur = n.org.parentId;
    }
    return names.join(PATH_SEPARATOR);
  }

  /** Creates the missing part of a path (names already checked); returns the leaf id. */
  ensurePath(segments: string[]): string {
    let parent: string | null = null;
    for (const s of segments) {
      const existing = this.child(parent, s);
      if (existing) {
        this.nodes.get(existing)!.touched = true;
        parent = existing;
        continue;
      }
      parent = this.create(s, parent).org.id;
    }
    if (parent === null) throw new Error('empty path');
    return parent;
  }

  create(name: string, parentId: string | null): OrgNode {
    const org: Organization = {
      id: newId('org'), externalId: null, name, parentId, order: 0, code: null, status: 'enabled', attributes: {},
      version: 1, createdAt: this.now, updatedAt: this.now,
    };
    const node: OrgNode = { org, original: null, touched: true, explicitRow: null };
    this.nodes.set(org.id, node);
    this.index(org.id);
    return node;
  }

  relocate(id: string, name: string, parentId: string | null, externalId: string | null): void {
    this.unindex(id);
    const o = this.nodes.get(id)!.org;
    o.name = name;
    o.parentId = parentId;
    o.externalId = externalId;
    this.index(id);
  }
}

// ------------------------------------------------------------------------------- planning

/** A row error's text: English, with its code and params when it has them. */
type Text = { message: string; code?: string; params?: FlatParams };
type Report = (column: string, text: Text) => void;

/** A row error from a text (a field error's too: its field is the column). */
function rowError(row: number, column: string, t: Text, section: Section | undefined): RowError {
  return { row, column, message: t.message, ...(t.code !== undefined ? { code: t.code } : {}), ...(t.params ? { params: t.params } : {}), ...(section ? { section } : {}) };
}

function applyAttributes(base: Attributes, values: InputRecord, err: Report): Attributes {
  let out: Attributes | null = null;
  for (const k of values.columns()) {
    if (!k.startsWith(ATTRIBUTE_PREFIX)) continue;
    const v = values.get(k);
    const name = k.slice(ATTRIBUTE_PREFIX.length);
    out ??= { ...base };
    if (v === null || v === undefined || (typeof v === 'string' && v.trim() === '')) delete out[name];
    else if (typeof v === 'string') out[name] = v.trim();
    else if (typeof v === 'number' || typeof v === 'boolean') out[name] = v as AttributeValue;
    else err(k, coded('row.attribute-value'));
  }
  return out ?? base;
}

function parseStatus(c: Cell, err: Report): Status | undefined {
  if (!c.present) return undefined;
  if (c.value === null) return 'enabled';
  const s = STATUS_WORDS[c.value.toLowerCase()];
  if (!s) err('status', coded('row.status', { value: c.value }));
  return s;
}

/** Plans an import. Consumes `parsed` (its records are released as they are planned). */
export function planImport(snapshot: DirectorySnapshot, parsed: ParsedFile, opts: PlanOptions = {}): PlanOutcome {
  const now = opts.now ?? new Date().toISOString();
  const tree = new VirtualTree(snapshot.organizations, now);
  const errors: RowError[] = [...parsed.errors, ...parsed.rowErrors];
  const isJson = parsed.format === 'json';
  let skippedRows = new Set(parsed.rowErrors.map((e) => `${e.section ?? ''}:${e.row}`)).size;

  // Accounts, working copies.
  const accounts = new Map<string, { acc: Account; original: Account | null; row: number | null }>();
  const byUsername = new Map<string, string>();
  const byAccountExt = new Map<string, string>();
  for (const a of snapshot.accounts) {
    accounts.set(a.id, { acc: a, original: a, row: null });
    byUsername.set(usernameKey(a.username), a.id);
    if (a.externalId !== null) byAccountExt.set(a.externalId, a.id);
  }

  const total = parsed.sections.reduce((n, s) => n + s.records.length, 0);
  let done = 0;
  const tick = (): void => {
    done++;
    if (opts.onProgress && (done % 2000 === 0 || done === total)) opts.onProgress(done, total);
  };

  for (const { section, records } of parsed.sections) {
    for (let i = 0; i < records.length; i++) {
      const rec = records[i]!;
      (records as Array<InputRecord | undefined>)[i] = undefined; // consumed: let 100k rows be collected as we go
      const rowErrors: RowError[] = [];
      if (section === 'organizations') planOrganizationRow(tree, rec, rowErrors, isJson);
      else planAccountRow(tree, rec, rowErrors, isJson, { accounts, byUsername, byAccountExt, now });
      if (rowErrors.length > 0) {
        errors.push(...rowErrors);
        skippedRows++;
      }
      tick();
    }
  }
  if (total === 0) opts.onProgress?.(0, 0);

  // Assemble the plan and the counts.
  const plan: BatchPlan = { organizations: { create: [], update: [] }, accounts: { create: [], update: [] } };
  const orgCounts: Counts = { create: 0, update: 0, unchanged: 0 };
  for (const node of tree.nodes.values()) {
    if (!node.original) {
      plan.organizations.create.push(node.org);
      orgCounts.create++;
    } else if (node.touched) {
      const changed = diffOrganization(node.original, node.org);
      if (changed.length === 0) orgCounts.unchanged++;
      else {
        plan.organizations.update.push({ after: { ...node.org, version: node.original.version + 1, updatedAt: now }, changedFields: changed });
        orgCounts.update++;
      }
    }
  }
  const accCounts: Counts = { create: 0, update: 0, unchanged: 0 };
  for (const { acc, original, row } of accounts.values()) {
    if (row === null) continue;
    if (!original) {
      plan.accounts.create.push(acc);
      accCounts.create++;
    } else {
      const changed = diffAccount(original, acc);
      if (changed.length === 0) accCounts.unchanged++;
      else {
        plan.accounts.update.push({ after: { ...acc, version: original.version + 1, updatedAt: now }, changedFields: changed });
        accCounts.update++;
      }
    }
  }
  errors.sort((a, b) => (a.section ?? '').localeCompare(b.section ?? '') || a.row - b.row);
  return { plan, summary: { organizations: orgCounts, accounts: accCounts, errors }, skippedRows };
}

function planOrganizationRow(tree: VirtualTree, rec: InputRecord, errors: RowError[], isJson: boolean): void {
  const { row } = rec;
  const values = rec;
  const section: Section = 'organizations';
  const err: Report = (column, text) => {
    errors.push(rowError(row, column, text, isJson ? section : undefined));
  };
  const pathCell = cell(values, 'path');
  if (pathCell.value === null) return err('path', coded('row.required', { column: 'path' }));
  const { segments, error } = splitPath(pathCell.value);
  if (error) return err('path', error);
  const orderCell = cell(values, 'order');
  let order: number | undefined;
  if (orderCell.present) {
    order = orderCell.value === null ? 0 : Number(orderCell.value);
    if (!Number.isInteger(order) || order < 0 || order > 2 ** 32 - 1) err('order', coded('row.order', { value: orderCell.value ?? '' }));
  }
  const codeCell = cell(values, 'code');
  const extCell = cell(values, 'external_id');
  const status = parseStatus(cell(values, 'status'), err);
  const fieldErrors = checkOrganizationFields({ code: codeCell.value, externalId: extCell.value });
  for (const fe of fieldErrors) err(fe.field === 'externalId' ? 'external_id' : fe.field, fe);
  applyAttributes({}, values, err);
  if (errors.length > 0) return;

  const name = segments[segments.length - 1]!;
  const parentSegments = segments.slice(0, -1);
  const { ids, anchor } = tree.walk(parentSegments);
  const parentComplete = ids.length === parentSegments.length;
  const ext = extCell.value;
  const path = segments.join(PATH_SEPARATOR);

  let target: string | null = null;
  const byExt = ext !== null ? tree.byExternalId(ext) : undefined;
  if (byExt) {
    if (anchor !== null && tree.isSelfOrAncestor(byExt, anchor))
      return err('path', coded('row.path-cycle', { path, org: tree.pathOf(byExt), externalId: ext! }));
    if (parentComplete) {
      const clash = tree.child(anchor, name);
      if (clash && clash !== byExt)
        return err('path', coded('row.path-taken', { path, id: clash, externalId: ext! }));
    }
    target = byExt;
  } else if (parentComplete) {
    const existing = tree.child(anchor, name);
    if (existing) {
      const other = tree.nodes.get(existing)!.org.externalId;
      if (ext !== null && other !== null && other !== ext)
        return err('external_id', coded('row.organization-external-id', { path, other, externalId: ext }));
      target = existing;
    }
  }
  if (target) {
    const earlier = tree.nodes.get(target)!.explicitRow;
    if (earlier !== null) return err('path', coded('row.organization-twice', { path: tree.pathOf(target), row: earlier }));
  }

  // Valid: apply to the virtual tree.
  const parentId = parentSegments.length === 0 ? null : tree.ensurePath(parentSegments);
  let node: OrgNode;
  if (target) {
    node = tree.nodes.get(target)!;
    tree.relocate(target, name, parentId, ext ?? node.org.externalId);
  } else {
    node = tree.create(name, parentId);
    if (ext !== null) tree.relocate(node.org.id, name, parentId, ext);
  }
  node.touched = true;
  node.explicitRow = row;
  if (order !== undefined) node.org.order = order;
  if (codeCell.present) node.org.code = codeCell.value;
  if (status) node.org.status = status;
  const attrs = applyAttributes(node.org.attributes, values, () => {});
  if (!sameAttributes(attrs, node.org.attributes)) node.org.attributes = attrs;
}

interface AccountState {
  accounts: Map<string, { acc: Account; original: Account | null; row: number | null }>;
  byUsername: Map<string, string>;
  byAccountExt: Map<string, string>;
  now: string;
}

function planAccountRow(tree: VirtualTree, rec: InputRecord, errors: RowError[], isJson: boolean, st: AccountState): void {
  const { row } = rec;
  const values = rec;
  const section: Section = 'accounts';
  const err: Report = (column, text) => {
    errors.push(rowError(row, column, text, isJson ? section : undefined));
  };

  const username = cell(values, 'username').value;
  if (username === null) err('username', coded('row.required', { column: 'username' }));
  else {
    const bad = checkUsername(username);
    if (bad) err('username', { ...bad, message: `"${username}" ${bad.message}` });
  }
  const name = cell(values, 'name').value;
  if (name === null) err('name', coded('row.required', { column: 'name' }));

  const mobileCell = cell(values, 'mobile');
  let mobile: string | null = null;
  if (mobileCell.value !== null) {
    const m = normalizeMobile(mobileCell.value);
    if (m.ok) mobile = m.value;
    else err('mobile', m.error);
  }
  const emailCell = cell(values, 'email');
  if (emailCell.value !== null) {
    const bad = checkEmail(emailCell.value);
    if (bad) err('email', bad);
  }
  const status = parseStatus(cell(values, 'status'), err);
  const genderCell = cell(values, 'gender');
  let gender: Gender | undefined;
  if (genderCell.present) {
    gender = genderCell.value === null ? 'unspecified' : GENDER_WORDS[genderCell.value.toLowerCase()];
    if (!gender) err('gender', coded('row.gender', { value: genderCell.value ?? '' }));
  }

  // Organization paths: "a/b/c;a/d", first is primary. JSON may give an array.
  const orgValue = values.get('organizations');
  const rawPaths: string[] = Array.isArray(orgValue)
    ? orgValue.map((p) => String(p))
    : typeof orgValue === 'string' ? orgValue.split(/[;；]/) : [];
  const paths = rawPaths.map((p) => p.trim()).filter((p) => p !== '');
  const pathSegments: string[][] = [];
  if (paths.length === 0) err('organizations', coded('row.organizations-none'));
  for (const p of paths) {
    const { segments, error } = splitPath(p);
    if (error) err('organizations', error);
    else pathSegments.push(segments);
  }
  const seenPaths = new Set<string>();
  for (const s of pathSegments) {
    const k = s.join(PATH_SEPARATOR);
    if (seenPaths.has(k)) err('organizations', coded('row.organizations-twice', { path: k }));
    seenPaths.add(k);
  }

  const ext = cell(values, 'external_id').value;
  if (username === null || name === null || errors.length > 0) return;

  // Match an existing (or earlier-row) account.
  let id: string | undefined;
  const uKey = usernameKey(username);
  const byName = st.byUsername.get(uKey);
  if (ext !== null && st.byAccountExt.has(ext)) {
    id = st.byAccountExt.get(ext)!;
    if (byName && byName !== id) {
      const other = st.accounts.get(byName)!;
      return err(
        'username',
        other.row !== null
          ? coded('row.username-other-row', { username, other: other.acc.username, row: other.row, externalId: ext })
          : coded('row.username-other-account', { username, other: other.acc.username, id: other.acc.id, externalId: ext }),
      );
    }
  } else if (byName) {
    id = byName;
    const existingExt = st.accounts.get(id)!.acc.externalId;
    if (ext !== null && existingExt !== null && existingExt !== ext)
      return err('external_id', coded('row.account-external-id', { username, other: existingExt, externalId: ext }));
  }
  const entry = id ? st.accounts.get(id)! : undefined;
  if (entry && entry.row !== null) return err('username', coded('row.account-twice', { username, row: entry.row }));

  const base: AccountFields | null = entry
    ? { ...entry.acc }
    : null;
  const text = (key: string, current: string | null): string | null => {
    const c = cell(values, key);
    return c.present ? c.value : current;
  };
  const fields: AccountFields = {
    externalId: ext ?? base?.externalId ?? null,
    username,
    displayName: name,
    mobile: mobileCell.present ? mobile : (base?.mobile ?? null),
    email: emailCell.present ? emailCell.value : (base?.email ?? null),
    telephone: text('telephone', base?.telephone ?? null),
    title: text('title', base?.title ?? null),
    gender: gender ?? base?.gender ?? 'unspecified',
    employeeNumber: text('employee_number', base?.employeeNumber ?? null),
    managerId: base?.managerId ?? null,
    organizationIds: [],
    primaryOrganizationId: '',
    status: status ?? base?.status ?? 'enabled',
    attributes: base?.attributes ?? {},
  };
  fields.attributes = applyAttributes(fields.attributes, values, err);
  const fieldErrors: FieldError[] = checkAccountFields({ ...fields, mobile: null, organizationIds: undefined });
  for (const fe of fieldErrors) err(ACCOUNT_FIELD_COLUMN[fe.field] ?? fe.field, fe);
  if (errors.length > 0) return;

  // Valid: create missing organizations, then record the account.
  const orgIds = [...new Set(pathSegments.map((s) => tree.ensurePath(s)))];
  fields.organizationIds = orgIds;
  fields.primaryOrganizationId = orgIds[0]!;

  if (entry) {
    const prevKey = usernameKey(entry.acc.username);
    if (prevKey !== uKey) {
      st.byUsername.delete(prevKey);
      st.byUsername.set(uKey, entry.acc.id);
    }
    if (fields.externalId !== null) st.byAccountExt.set(fields.externalId, entry.acc.id);
    entry.acc = { ...entry.acc, ...fields };
    entry.row = row;
  } else {
    const acc: Account = { id: newId('acc'), ...fields, version: 1, createdAt: st.now, updatedAt: st.now };
    st.accounts.set(acc.id, { acc, original: null, row });
    st.byUsername.set(uKey, acc.id);
    if (acc.externalId !== null) st.byAccountExt.set(acc.externalId, acc.id);
  }
}
