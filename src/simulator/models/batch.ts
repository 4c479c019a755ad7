// Asynchronous batch imports (batch/syncuser, batch/replaceuser, batch/replaceparty).
// The CSV is parsed and checked as a whole when the job is submitted (file-level errcodes come
// back from the submitting call); rows are then applied one by one through the same model
// methods as user/create, user/update and department/create|update, so no rule is duplicated.
import { randomBytes } from 'node:crypto';
import { setImmediate as tick } from 'node:timers/promises';
import { parse } from 'csv-parse/sync';
import { Errcode, errcodeInfo } from '../../wecom/errors/catalog.js';
import { LIMITS, READING_LIMITS } from '../../wecom/rules/fields.js';
import type { BatchJobType, BatchPartyResult, BatchUserResult } from '../../wecom/types.js';
import { SimError } from '../errors.js';
import type { Company } from './company.js';
import { ROOT_ID, siblingNameKey } from './departments.js';
import { useridKey } from './members.js';
import { eventXml, type CallbackTarget } from '../callbacks.js';

const KEEP_RESULTS = 5;
const ROWS_PER_STEP = 20;

type Row = Record<string, string>;

interface Job {
  jobid: string;
  type: BatchJobType;
  status: 1 | 2 | 3;
  total: number;
  done: number;
  result: Array<BatchUserResult | BatchPartyResult>;
  cleaned: boolean;
  finished: Promise<void>;
  callback?: CallbackTarget;
}

const MEMBER_COLUMNS: Record<string, string> = {
  姓名: 'name',
  帐号: 'userid',
  手机号: 'mobile',
  邮箱: 'email',
  所在部门: 'department',
  职位: 'position',
  性别: 'gender',
  是否部门内领导: 'is_leader_in_dept',
  排序: 'order',
  别名: 'alias',
  地址: 'address',
  座机: 'telephone',
  禁用: 'enable',
};
/** Columns replace_user resets to empty when the file does not carry them (or the cell is empty). */
const RESETTABLE = ['position', 'alias', 'address', 'telephone'];
const DEPARTMENT_COLUMNS: Record<string, string> = { 部门名称: 'name', 部门ID: 'id', 父部门ID: 'parentid', 排序: 'order' };

const fileError = (code: number, detail: string): SimError => new SimError(code, detail);

/** Where batch/syncuser and replaceuser create the departments a member row names but the company lacks. */
const PENDING_DEPARTMENT_NAME = '其他(待设置部门)';

function decodeCsv(data: Buffer): string[][] {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    throw fileError(Errcode.FileTranscoding, 'the file is not valid UTF-8');
  }
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true }) as string[][];
  } catch (e) {
    throw fileError(Errcode.InvalidImportFile, `CSV syntax: ${(e as Error).message}`);
  }
  if (records.length < 2) throw fileError(Errcode.InvalidImportFile, 'the file has no header row or no data rows');
  return records;
}

/** Maps the header row to field names; every column must be known, required ones present. */
function readHeader(header: string[], known: Record<string, string>, extra: ReadonlyMap<string, string>, required: string[]): string[] {
  const fields = header.map((raw) => {
    const h = raw.trim();
    if (known[h]) return known[h];
    if (h.startsWith('禁用项说明')) return '';
    if (extra.get(h) === 'text') return `extattr:${h}`;
    throw fileError(Errcode.InvalidImportFile, `unknown column "${h}"`);
  });
  const seen = new Set<string>();
  for (const f of fields) {
    if (f && seen.has(f)) throw fileError(Errcode.InvalidImportFile, `column for ${f} appears twice`);
    seen.add(f);
  }
  for (const r of required) if (!seen.has(r)) throw fileError(Errcode.InvalidImportFile, `required column for ${r} is missing`);
  return fields;
}

const rowsOf = (records: string[][], fields: string[]): Row[] =>
  records.slice(1).map((cells) => Object.fromEntries(fields.flatMap((f, i) => (f ? [[f, (cells[i] ?? '').trim()]] : []))));

const splitList = (v: string): string[] => v.split(/[;；]/).map((x) => x.trim());
const numberOrRaw = (x: string): number | string => (/^\d+$/.test(x) ? Number(x) : x);

/** One member row as a user/create or user/update body; values the rule table will refuse are passed through as given. */
function memberBody(row: Row, exists: boolean, replace: boolean, columns: Set<string>): Record<string, unknown> {
  const body: Record<string, unknown> = { userid: row.userid, name: row.name };
  body.department = splitList(row.department ?? '').map(numberOrRaw);
  for (const [field, value] of Object.entries(row)) {
    if (value === undefined || field === 'userid' || field === 'name' || field === 'department') continue;
    if (field === 'order') {
      if (value !== '') body.order = splitList(value).map(numberOrRaw);
    } else if (field === 'is_leader_in_dept') {
      if (value !== '')
        body.is_leader_in_dept = splitList(value).map((x) => (x === '1' || x === '是' ? 1 : x === '0' || x === '否' ? 0 : x));
    } else if (field === 'gender') {
      if (value !== '') body.gender = value === '男' || value === '1' ? '1' : value === '女' || value === '2' ? '2' : value;
    } else if (field === 'enable') {
      if (value !== '') body.enable = value === '1' ? 0 : value === '0' ? 1 : value;
    } else if (field.startsWith('extattr:')) {
      const attrs = ((body.extattr as { attrs: unknown[] } | undefined) ?? { attrs: [] }).attrs;
      attrs.push({ type: 0, name: field.slice(8), text: { value } });
      body.extattr = { attrs };
    } else if (value !== '') {
      body[field] = value;
    }
  }
  // An empty cell leaves the member's value alone, except that replace_user resets the free-text fields.
  if (exists && replace) for (const f of RESETTABLE) if (!columns.has(f) || row[f] === '') body[f] = '';
  return body;
}

const okText = 'ok';
const rowError = (e: unknown): { errcode: number; errmsg: string } => {
  if (e instanceof SimError) return { errcode: e.errcode, errmsg: e.detail ? `${errcodeInfo(e.errcode).en}: ${e.detail}` : errcodeInfo(e.errcode).en };
  return { errcode: Errcode.ImportSystemFailure, errmsg: String(e) };
};

export class BatchJobs {
  private readonly jobs = new Map<string, Job>();
  private readonly order: string[] = [];
  private running: Job | undefined;
  private cancelled = false;

  constructor(private readonly company: Company) {}

  cancelAll(): void {
    this.cancelled = true;
  }

  /** Resolves when the job has finished (tests and the inspection surface). */
  async waitFor(jobid: string): Promise<void> {
    await this.jobs.get(jobid)?.finished;
  }

  submit(type: BatchJobType, body: unknown): string {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new SimError(Errcode.InvalidParameter, 'body must be a JSON object');
    const b = body as Record<string, unknown>;
    if (this.company.rules.refuseUnknownFields)
      for (const k of Object.keys(b))
        if (!['media_id', 'to_invite', 'callback'].includes(k) || (k === 'to_invite' && type === 'replace_party'))
          throw new SimError(Errcode.InvalidParameter, `unknown field "${k}"`);
    if (b.media_id === undefined || b.media_id === '') throw new SimError(Errcode.MissingMediaId, 'media_id is required');
    if (typeof b.media_id !== 'string') throw new SimError(Errcode.InvalidMediaId, 'media_id must be a string');
    if (b.to_invite !== undefined && typeof b.to_invite !== 'boolean') throw new SimError(Errcode.InvalidParameter, 'to_invite must be a boolean');
    if (b.callback !== undefined) {
      const cb = b.callback as Record<string, unknown>;
      if (typeof cb !== 'object' || cb === null || typeof cb.url !== 'string' || !/^https?:\/\/\S+$/.test(cb.url))
        throw new SimError(Errcode.InvalidParameter, 'callback.url must be an http(s) URL');
      if (cb.token !== undefined && (typeof cb.token !== 'string' || !/^[A-Za-z0-9]{0,32}$/.test(cb.token)))
        throw new SimError(Errcode.InvalidParameter, 'callback.token must be at most 32 letters or digits');
      if (cb.encodingaeskey !== undefined && (typeof cb.encodingaeskey !== 'string' || !/^[A-Za-z0-9]{43}$/.test(cb.encodingaeskey)))
        throw new SimError(Errcode.InvalidParameter, 'callback.encodingaeskey must be 43 letters or digits');
    }
    if (this.running) throw new SimError(Errcode.ImportJobRunning, `job ${this.running.jobid} is still running`);
    const media = this.company.media.find(b.media_id);
    if (!media) throw new SimError(Errcode.InvalidMediaId, 'media_id not found or expired (valid 3 days)');
    if (media.type !== 'file') throw new SimError(Errcode.InvalidMediaId, 'batch jobs need a media of type file');
    const cb = b.callback as { url?: string; token?: string; encodingaeskey?: string } | undefined;
    const callback: CallbackTarget | undefined =
      cb?.url && cb.token !== undefined && cb.encodingaeskey !== undefined
        ? { url: cb.url, token: cb.token, encodingAesKey: cb.encodingaeskey }
        : this.company.config.callback;
    const records = decodeCsv(media.data);
    const steps: { rows: Array<() => BatchUserResult | BatchPartyResult>; after: () => void } =
      type === 'replace_party' ? this.planParties(records) : this.planMembers(records, type === 'replace_user', b.to_invite !== false);
    return this.start(type, steps.rows, steps.after, callback);
  }

  getresult(jobid: unknown): Record<string, unknown> {
    if (typeof jobid !== 'string' || jobid === '') throw new SimError(Errcode.EmptyParameter, 'jobid is required');
    const job = this.jobs.get(jobid);
    if (!job) throw new SimError(Errcode.JobNotFound, `jobid ${jobid} not found`);
    if (job.cleaned) throw new SimError(Errcode.JobResultCleaned, `only the last ${KEEP_RESULTS} job results are kept`);
    return {
      status: job.status,
      type: job.type,
      total: job.total,
      percentage: job.status === 3 ? 100 : Math.floor((job.done / Math.max(job.total, 1)) * 100),
      remaintime: job.status === 3 ? 0 : Math.max(1, Math.ceil((job.total - job.done) / 100)),
      result: job.status === 3 ? job.result : [],
    };
  }

  // ------------------------------------------------------------------ planning (file-level checks)

  private planMembers(records: string[][], replace: boolean, toInvite: boolean): { rows: Array<() => BatchUserResult>; after: () => void } {
    const fields = readHeader(records[0] as string[], MEMBER_COLUMNS, this.company.extattrs, ['name', 'userid', 'department']);
    const columns = new Set(fields);
    const rows = rowsOf(records, fields);
    const seen = new Set<string>();
    rows.forEach((r, i) => {
      for (const f of ['name', 'userid', 'department'])
        if (!r[f]) throw fileError(Errcode.InvalidImportFile, `row ${i + 2}: ${f} is empty`);
      const key = useridKey(r.userid as string);
      if (seen.has(key)) throw fileError(Errcode.ImportDuplicateUserid, `userid ${r.userid} appears twice`);
      seen.add(key);
    });
    const members = this.company.members;
    // the creator is never deleted: replaceuser leaves it out of the deletions
    const absent = replace ? members.all().filter((m) => !seen.has(useridKey(m.userid)) && !members.isCreator(m.userid)) : [];
    if (absent.length > LIMITS.replaceUserProtectMinCount && absent.length > LIMITS.replaceUserProtectRatio * members.size)
      throw fileError(Errcode.DeleteProtection, `the job would delete ${absent.length} of ${members.size} members`);
    return {
      rows: rows.map((r) => (): BatchUserResult => {
        const userid = r.userid as string;
        try {
          const exists = members.find(userid) !== undefined;
          const body = memberBody(r, exists, replace, columns);
          this.createPendingDepartments(body.department);
          if (exists) members.update(body);
          else members.create({ ...body, to_invite: toInvite });
          return { userid, errcode: 0, errmsg: okText };
        } catch (e) {
          return { userid, ...rowError(e) };
        }
      }),
      after: () => {
        if (!replace) return;
        for (const m of members.all()) if (!seen.has(useridKey(m.userid)) && !members.isCreator(m.userid)) members.delete(m.userid);
      },
    };
  }

  /**
   * Current reading: department ids a member row names that the company lacks are created under
   * 其他(待设置部门) (made under the root when first needed), named after their id. Strict: the row fails (60123).
   */
  private createPendingDepartments(ids: unknown): void {
    if (READING_LIMITS[this.company.rules.reading ?? 'current'].batchUnknownDepartment !== 'pending-department' || !Array.isArray(ids)) return;
    const depts = this.company.departments;
    for (const id of ids) {
      if (typeof id !== 'number' || id < LIMITS.departmentIdMin || id > LIMITS.int32Max || depts.has(id)) continue;
      const parent = depts.childNamed(ROOT_ID, PENDING_DEPARTMENT_NAME) ?? depts.create({ name: PENDING_DEPARTMENT_NAME, parentid: ROOT_ID });
      depts.create({ id, name: String(id), parentid: parent });
    }
  }

  private planParties(records: string[][]): { rows: Array<() => BatchPartyResult>; after: () => void } {
    const fields = readHeader(records[0] as string[], DEPARTMENT_COLUMNS, new Map(), ['name', 'id', 'parentid']);
    const rows = rowsOf(records, fields).map((r, i) => {
      if (!r.name || !r.id || !/^\d+$/.test(r.id)) throw fileError(Errcode.ImportInvalidStructure, `row ${i + 2}: empty name or invalid 部门ID`);
      if (!/^\d+$/.test(r.parentid ?? '')) throw fileError(Errcode.ImportInvalidStructure, `row ${i + 2}: invalid 父部门ID`);
      if (r.order && !/^\d+$/.test(r.order)) throw fileError(Errcode.ImportInvalidStructure, `row ${i + 2}: invalid 排序`);
      return { name: r.name, id: Number(r.id), parentid: Number(r.parentid), order: r.order ? Number(r.order) : undefined };
    });
    const byId = new Map<number, (typeof rows)[number]>();
    for (const r of rows) {
      if (byId.has(r.id)) throw fileError(Errcode.ImportDuplicatePartyid, `部门ID ${r.id} appears twice`);
      byId.set(r.id, r);
    }
    const names = new Set<string>();
    for (const r of rows) {
      if ((r.id === ROOT_ID) !== (r.parentid === 0))
        throw fileError(Errcode.ImportInvalidStructure, `部门ID ${r.id}: only the root (1) has 父部门ID 0`);
      if (r.parentid !== 0 && r.parentid !== ROOT_ID && !byId.has(r.parentid))
        throw fileError(Errcode.ImportInvalidStructure, `部门ID ${r.id}: parent ${r.parentid} is not in the file`);
      const key = siblingNameKey(r.parentid, r.name);
      if (names.has(key)) throw fileError(Errcode.ImportDuplicateSiblingName, `two departments under ${r.parentid} are named "${r.name}"`);
      names.add(key);
    }
    // parents before children; anything left over is a cycle
    const ordered: typeof rows = [];
    const placed = new Set<number>([ROOT_ID]);
    const root = byId.get(ROOT_ID);
    if (root) ordered.push(root);
    let progress = true;
    while (progress) {
      progress = false;
      for (const r of rows)
        if (!placed.has(r.id) && placed.has(r.parentid)) {
          ordered.push(r);
          placed.add(r.id);
          progress = true;
        }
    }
    if (ordered.length !== rows.length) throw fileError(Errcode.ImportInvalidStructure, 'the departments do not form a tree');
    const depts = this.company.departments;
    return {
      rows: ordered.map((r) => (): BatchPartyResult => {
        try {
          const order = r.order !== undefined ? { order: r.order } : {};
          let action: number;
          if (r.id === ROOT_ID) action = depts.update({ id: ROOT_ID, name: r.name, ...order });
          else if (depts.has(r.id)) action = depts.update({ id: r.id, name: r.name, parentid: r.parentid, ...order });
          else {
            depts.create({ id: r.id, name: r.name, parentid: r.parentid, ...order });
            action = 1;
          }
          return { action, partyid: r.id, errcode: 0, errmsg: okText };
        } catch (e) {
          return { action: 0, partyid: r.id, ...rowError(e) };
        }
      }),
      after: () => {
        // departments absent from the file go only if empty; deepest first
        const absent = depts
          .all()
          .filter((d) => d.id !== ROOT_ID && !byId.has(d.id))
          .sort((a, b) => depts.level(b.id) - depts.level(a.id));
        for (const d of absent) if (depts.childCount(d.id) === 0 && this.company.members.countIn(d.id) === 0) depts.delete(d.id);
      },
    };
  }

  // ------------------------------------------------------------------ running

  private start<R extends BatchUserResult | BatchPartyResult>(type: BatchJobType, rows: Array<() => R>, after: () => void, callback?: CallbackTarget): string {
    const jobid = randomBytes(24).toString('base64url');
    let resolve!: () => void;
    const job: Job = {
      jobid,
      type,
      status: 1,
      total: rows.length,
      done: 0,
      result: [],
      cleaned: false,
      finished: new Promise((r) => (resolve = r)),
      ...(callback ? { callback } : {}),
    };
    this.jobs.set(jobid, job);
    this.order.push(jobid);
    while (this.order.length > KEEP_RESULTS) {
      const old = this.jobs.get(this.order.shift() as string);
      if (old) {
        old.cleaned = true;
        old.result = [];
      }
    }
    this.running = job;
    void this.run(job, rows, after).finally(() => {
      if (this.running === job) this.running = undefined;
      resolve();
    });
    return jobid;
  }

  private async run<R extends BatchUserResult | BatchPartyResult>(job: Job, rows: Array<() => R>, after: () => void): Promise<void> {
    await this.company.hooks.jobGate();
    await tick();
    if (this.cancelled) return;
    job.status = 2;
    const results: R[] = [];
    for (let i = 0; i < rows.length; i++) {
      if (i % ROWS_PER_STEP === 0) {
        await this.company.hooks.jobGate();
        await tick();
        if (this.cancelled) return;
      }
      results.push((rows[i] as () => R)());
      job.done = i + 1;
    }
    after();
    if (!job.cleaned) job.result = results;
    job.status = 3;
    if (job.callback) {
      const xml = eventXml(this.company.corpid, Math.floor(this.company.now() / 1000), 'batch_job_result', [
        ['BatchJob', [['JobId', job.jobid], ['JobType', job.type], ['ErrCode', 0], ['ErrMsg', 'ok']]],
      ]);
      this.company.hooks.sendCallback(job.callback, this.company.corpid, 'batch_job_result', xml);
    }
  }
}
