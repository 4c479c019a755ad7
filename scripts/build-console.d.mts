/** Builds web/ into web/dist when missing or older than its sources (or always, with force). Resolves true when it built. */
export function ensureConsoleBuilt(opts?: { force?: boolean; quiet?: boolean }): Promise<boolean>;
/** True when web/dist is missing or older than a file under web/. */
export function consoleIsStale(): boolean;
