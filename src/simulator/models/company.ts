// One simulated WeCom company: its department tree, members, uploaded media and batch jobs.
import type { MemberStatus } from '../../wecom/types.js';
import { Departments, type DepartmentRecord } from './departments.js';
import { MediaStore, type MediaRecord } from './media.js';
import { Members, type MemberRecord, type MemberSeedFlags } from './members.js';
import { BatchJobs } from './batch.js';
import { eventXml, type CallbackTarget } from '../callbacks.js';
import { SimError } from '../errors.js';
import { Errcode } from '../../wecom/errors/catalog.js';
import type { RuleOptions } from '../../wecom/rules/fields.js';

/** The company's creator: an activated member of the root department that WeCom never deletes (301005). */
export interface CreatorConfig {
  userid?: string;
  name?: string;
  mobile?: string;
  email?: string;
}

const DEFAULT_CREATOR = { userid: 'creator', name: '创建者', email: 'creator@example.com' };

interface CompanyConfig {
  corpid: string;
  secret: string;
  /** root department name (default 总公司) */
  name?: string;
  extattrs?: Array<{ name: string; type: 'text' | 'web' | 'miniprogram' }>;
  /** default: userid "creator", name 创建者, e-mail creator@example.com */
  creator?: CreatorConfig;
  /**
   * The contacts-sync event receiver. change_contact events are sent for edits made "by hand" (adminEdit),
   * never for the company's own API calls. Member events carry only UserID and Department unless
   * fullMemberEvents (a callback URL configured before 2022-08-15).
   */
  callback?: CallbackTarget & { fullMemberEvents?: boolean };
}

export type AdminEditApi = 'department/create' | 'department/update' | 'department/delete' | 'user/create' | 'user/update' | 'user/delete';
export const ADMIN_EDIT_APIS: readonly AdminEditApi[] = ['department/create', 'department/update', 'department/delete', 'user/create', 'user/update', 'user/delete'];

/** What a company's state file entry holds. */
export interface CompanySnapshot {
  corpid: string;
  departments: DepartmentRecord[];
  members: MemberRecord[];
  media?: Array<Omit<MediaRecord, 'data'> & { data: string }>;
}

interface CompanyHooks {
  now(): number;
  /** the reading of WeCom's documentation the rules follow now */
  rules(): RuleOptions;
  /** resolves when batch jobs may make progress (tests pause them to observe 302008) */
  jobGate(): Promise<void>;
  /** queues an encrypted event for delivery */
  sendCallback(target: CallbackTarget, corpid: string, event: 'change_contact' | 'batch_job_result', xml: string, changeType?: string): void;
}

export class Company {
  readonly corpid: string;
  readonly secret: string;
  readonly name: string;
  readonly extattrs: ReadonlyMap<string, 'text' | 'web' | 'miniprogram'>;
  /** the creator's userid */
  readonly creator: string;
  departments!: Departments;
  members!: Members;
  media!: MediaStore;
  jobs!: BatchJobs;

  constructor(
    readonly config: CompanyConfig,
    readonly hooks: CompanyHooks,
  ) {
    this.corpid = config.corpid;
    this.secret = config.secret;
    this.name = config.name ?? '总公司';
    this.extattrs = new Map((config.extattrs ?? []).map((a) => [a.name, a.type]));
    this.creator = config.creator?.userid ?? DEFAULT_CREATOR.userid;
    this.clear();
  }

  now(): number {
    return this.hooks.now();
  }

  get rules(): RuleOptions {
    return this.hooks.rules();
  }

  /** Back to a fresh company: the root department and the creator in it. */
  clear(): void {
    this.departments = new Departments(this, this.name);
    this.members = new Members(this);
    const c = this.config.creator;
    const contact = c?.mobile || c?.email ? { ...(c.mobile ? { mobile: c.mobile } : {}), ...(c.email ? { email: c.email } : {}) } : { email: DEFAULT_CREATOR.email };
    this.members.create({ userid: this.creator, name: c?.name ?? DEFAULT_CREATOR.name, department: [1], ...contact }, { status: 1, creator: true });
    this.media = new MediaStore(this);
    this.jobs?.cancelAll();
    this.jobs = new BatchJobs(this);
  }

  /** Adds a department through the same rules as department/create; returns its id. */
  seedDepartment(dept: { name: string; parentid?: number; id?: number; order?: number; name_en?: string }): number {
    return this.departments.create({ parentid: 1, ...dept });
  }

  /** Adds a member through the same rules as user/create, plus flags WeCom sets itself (generated userid, activation). */
  seedMember(member: Record<string, unknown>, flags: MemberSeedFlags = {}): void {
    this.members.create(member, flags);
  }

  setMemberStatus(userid: string, status: MemberStatus): void {
    this.members.setStatus(userid, status);
  }

  /**
   * An edit made by hand in the admin console: the same rules as the API, plus a change_contact event to the
   * configured callback. Returns the new department id for department/create.
   */
  adminEdit(api: AdminEditApi, body: Record<string, unknown>): { id?: number } {
    const cb = this.config.callback;
    const emit = (changeType: string, fields: Array<[string, string | number]>): void => {
      if (!cb) return;
      const xml = eventXml(this.corpid, Math.floor(this.now() / 1000), 'change_contact', [['ChangeType', changeType], ...fields]);
      this.hooks.sendCallback(cb, this.corpid, 'change_contact', xml, changeType);
    };
    const memberFields = (userid: string, previous?: string): Array<[string, string | number]> => {
      const m = this.members.find(userid);
      if (!m) return [['UserID', previous ?? userid]];
      const base: Array<[string, string | number]> = [['UserID', previous ?? m.userid]];
      if (cb?.fullMemberEvents && previous && previous !== m.userid) base.push(['NewUserID', m.userid]);
      base.push(['Department', m.department.join(',')]);
      if (!cb?.fullMemberEvents) return base;
      return [
        ...base,
        ['MainDepartment', m.main_department],
        ['IsLeaderInDept', m.is_leader_in_dept.join(',')],
        ['DirectLeader', m.direct_leader.join(',')],
        ['Name', m.name],
        ['Position', m.position],
        ['Mobile', m.mobile],
        ['Gender', Number(m.gender)],
        ['Email', m.email],
        ['BizMail', m.biz_mail],
        ['Status', m.status],
        ['Alias', m.alias],
        ['Telephone', m.telephone],
        ['Address', m.address],
      ];
    };
    switch (api) {
      case 'department/create': {
        const id = this.departments.create(body);
        const d = this.departments.record(id);
        emit('create_party', [['Id', id], ['Name', d?.name ?? ''], ['ParentId', d?.parentid ?? 0], ['Order', d?.order ?? 0]]);
        return { id };
      }
      case 'department/update': {
        const action = this.departments.update(body);
        const d = this.departments.record(body.id as number);
        const fields: Array<[string, string | number]> = [['Id', body.id as number]];
        if (action & 2) fields.push(['Name', d?.name ?? '']);
        if (action & 4) fields.push(['ParentId', d?.parentid ?? 0]);
        emit('update_party', fields);
        return {};
      }
      case 'department/delete':
        this.departments.delete(body.id);
        emit('delete_party', [['Id', body.id as number]]);
        return {};
      case 'user/create':
        this.members.create(body);
        emit('create_user', memberFields(body.userid as string));
        return {};
      case 'user/update': {
        const before = this.members.find(String(body.userid))?.userid;
        this.members.update(body);
        const now = (body.new_userid as string | undefined) ?? before ?? String(body.userid);
        emit('update_user', memberFields(now, before));
        return {};
      }
      case 'user/delete': {
        const before = this.members.find(String(body.userid))?.userid;
        this.members.delete(body.userid);
        emit('delete_user', [['UserID', before ?? String(body.userid)]]);
        return {};
      }
      default:
        throw new SimError(Errcode.InvalidParameter, `no admin edit ${String(api)}`);
    }
  }

  snapshot(): CompanySnapshot {
    return {
      corpid: this.corpid,
      departments: this.departments.all().map((d) => ({ ...d })),
      members: this.members.all().map((m) => structuredClone(m)),
      media: this.media.all().map((m) => ({ ...m, data: m.data.toString('base64') })),
    };
  }

  restore(s: CompanySnapshot): void {
    this.clear();
    const root = s.departments.find((d) => d.id === 1);
    if (root) this.departments.update({ id: 1, name: root.name, order: root.order });
    // parents before children
    const pending = s.departments.filter((d) => d.id !== 1);
    while (pending.length) {
      const i = pending.findIndex((d) => this.departments.has(d.parentid));
      if (i < 0) throw new Error(`state file: departments ${pending.map((d) => d.id).join(',')} have no parent`);
      const [d] = pending.splice(i, 1) as [DepartmentRecord];
      this.departments.create({ id: d.id, name: d.name, parentid: d.parentid, order: d.order, ...(d.name_en ? { name_en: d.name_en } : {}) }, { reading: 'current' });
    }
    this.members.restore(s.members);
    for (const m of s.media ?? []) this.media.restore({ ...m, data: Buffer.from(m.data, 'base64') });
  }
}
