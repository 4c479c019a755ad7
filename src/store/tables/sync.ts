// Table shapes of sync state: links with shadow state, runs, operations, change-feed cursors (migration 0003). Owned by src/sync.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SyncTables {}
