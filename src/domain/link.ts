// Links: the stored pairing of a directory object with a WeCom object, with its shadow state —
// the last values this connection wrote to WeCom (or adopted when matching). Because a newly
// trusted IP may not read details back (48009), the planner compares desired state with shadows.
import type { DesiredExtAttr } from './desired.js';

export type LinkOrigin = 'created' | 'matched';

export interface DepartmentShadow {
  name: string;
  nameEn?: string;
  parentid: number;
  order: number;
}

export interface DepartmentLink {
  /** Organization id. */
  key: string;
  departmentId: number;
  origin: LinkOrigin;
  /** null = linked but values unknown (adopted without reading, or stored before the create ran). */
  shadow: DepartmentShadow | null;
}

/** The last member values written; a field absent here was never written. */
export interface MemberShadow {
  name?: string;
  alias?: string;
  mobile?: string;
  email?: string;
  biz_mail?: string;
  telephone?: string;
  position?: string;
  gender?: '1' | '2';
  enable?: 0 | 1;
  address?: string;
  extattr?: { attrs: DesiredExtAttr[] };
  direct_leader?: string[];
  external_position?: string;
  avatar_mediaid?: string;
  department: number[];
  order?: number[];
  is_leader_in_dept?: number[];
  main_department?: number;
}

export interface MemberLink {
  /** Account id. */
  key: string;
  userid: string;
  origin: LinkOrigin;
  shadow: MemberShadow | null;
}

export interface Links {
  departments: DepartmentLink[];
  members: MemberLink[];
}
