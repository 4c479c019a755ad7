// Response shapes more than one route file sends. Each has an id (zod's `.meta({ id })`): the
// OpenAPI document lists it once under components/schemas (../openapi.ts), and the console's
// generated types (web/src/api/schema.d.ts) name it.
import { z } from 'zod';

export const explanation = z.object({ en: z.string(), zh: z.string() }).meta({ id: 'Explanation', description: 'A plain-language text in English and Chinese' });

export const operationStatus = z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped']).meta({ id: 'OperationStatus' });

/** A text as a code with parameters (src/messages): the console renders it in the user's language. */
export const text = z
  .object({ code: z.string(), params: z.record(z.string(), z.unknown()).optional().describe('values, or clauses that are texts themselves') })
  .meta({ id: 'Text', description: "A text as a code with parameters: `message` (or `reason`) beside it is its English rendering" });

/** The directory object an operation is for, as a person names it. */
export const subject = z
  .object({ name: z.string(), path: z.string().optional().describe("an organization's path from the top") })
  .nullable()
  .meta({ id: 'Subject', description: 'the account or organization the operation is for; null when it is no longer in the directory' });

export const warning = z.object({ code: z.string(), key: z.string().optional(), message: z.string(), note: text.optional() }).meta({ id: 'Warning', description: 'A planner or mapping warning' });

export const fieldChange = z.object({ field: z.string(), old: z.unknown(), new: z.unknown() }).meta({ id: 'FieldChange', description: 'One field an operation changes: its value in WeCom and the new one' });

/** An extended attribute as WeCom spells it (src/domain/desired.ts DesiredExtAttr). */
const wecomExtAttr = z
  .union([
    z.object({ type: z.literal(0), name: z.string(), text: z.object({ value: z.string() }) }),
    z.object({ type: z.literal(1), name: z.string(), web: z.object({ url: z.string(), title: z.string() }) }),
  ])
  .meta({ id: 'WeComExtAttr' });

/** The member fields a mapping computes (src/domain/desired.ts DesiredMemberFields), as WeCom names them. */
export const wecomMemberFields = z.object({
  name: z.string(),
  alias: z.string().optional(),
  mobile: z.string().optional(),
  email: z.string().optional(),
  biz_mail: z.string().optional(),
  telephone: z.string().optional(),
  position: z.string().optional(),
  gender: z.enum(['1', '2']).optional(),
  enable: z.union([z.literal(0), z.literal(1)]),
  address: z.string().optional(),
  extattr: z.object({ attrs: z.array(wecomExtAttr) }).optional(),
  direct_leader: z.array(z.string()).optional(),
  external_position: z.string().optional(),
  avatar_mediaid: z.string().optional(),
});
