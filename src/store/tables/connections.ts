// Table shapes of connections (migration 0002). Owned by src/connections.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ConnectionTables {}
