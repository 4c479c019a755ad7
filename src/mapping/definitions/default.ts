// The default mapping: what a fresh connection uses with no editing. Everything is written in the
// expression language, so the console shows (and the admin can edit) exactly what runs.
import type { MappingDefinition } from './types.js';

/**
 * Department name: trimmed, WeCom's forbidden characters \ : * ? " < > | replaced by _, cut to 64
 * characters (WeCom's current limit; a company on the older 32 gets 60001 for that department, explained).
 */
const DEFAULT_DEPARTMENT_NAME = String.raw`trim(substring(regex_replace(trim(name), "[\\\\:*?\"<>|]", "_"), 0, 64))`;

/**
 * Userid: the username lower-cased, characters outside [a-z0-9_.-] replaced by _, leading
 * characters other than a letter or digit dropped, cut to 64 characters (all ASCII by then, so
 * 64 bytes). `Zhang.San@corp.com` → `zhang.san_corp.com`.
 */
export const DEFAULT_USERID = String.raw`substring(regex_replace(regex_replace(lower(username), "[^a-z0-9_.-]", "_"), "^[^a-z0-9]+", ""), 0, 64)`;

const DEFAULT_GENDER = 'if(gender == "male", "1", if(gender == "female", "2", null))';
const DEFAULT_ENABLE = 'if(status == "disabled", 0, 1)';

/**
 * A fresh definition (a new object each call, safe to edit). to_invite is false: an admin
 * importing the company's contacts should not have WeCom message every employee at once; the
 * invitation can be switched on per connection (`members.to_invite: "true"`).
 */
export function defaultMappingDefinition(): MappingDefinition {
  return {
    version: 1,
    departments: {
      name: DEFAULT_DEPARTMENT_NAME,
      // the directory lists siblings smaller order first, WeCom larger first: wecom_order turns one into the other
      order: 'wecom_order(order)',
    },
    members: {
      userid: DEFAULT_USERID,
      name: 'display_name',
      mobile: 'phone(mobile)',
      email: 'email',
      telephone: 'telephone',
      position: 'title',
      gender: DEFAULT_GENDER,
      enable: DEFAULT_ENABLE,
      to_invite: 'false',
    },
    affiliation: { mode: 'all-organizations', directLeader: 'manager' },
    extattrs: [],
    scope: { includeDisabledAccounts: true },
    matching: { members: ['userid', 'mobile', 'email'], departments: 'name-path' },
  };
}
