// The directory's change feed: one entry per write, in commit order.

export type ObjectType = 'organization' | 'account';
export type ChangeOperation = 'create' | 'update' | 'delete';

export interface Change {
  /** Gap-free, strictly increasing in commit order (see src/store/changes.ts). */
  seq: number;
  objectType: ObjectType;
  objectId: string;
  operation: ChangeOperation;
  /** The object's version after the write (the last version for a delete). */
  version: number;
  /** Domain field names that the write changed; for a create every set field, for a delete []. */
  changedFields: string[];
  occurredAt: string;
}
