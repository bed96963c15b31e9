/** A window of virtual time in which a store (or database) is slow, fails, or hangs. */
export interface Outage {
  readonly from: number;
  readonly until: number;
  readonly mode: 'slow' | 'fail' | 'hang';
  /** Extra latency of a `slow` window. */
  readonly ms: number;
}

/**
 * What happens to an operation starting at `now`: its delay, and the error it ends with. A hung
 * operation answers when its window ends (a lock released, a failover finished): a store that never
 * comes back cannot be told from a lost one, and nothing can be promised about it.
 */
export function operationAt(
  outages: readonly Outage[],
  baseMs: number,
  now: number,
): { readonly delayMs: number; readonly error?: Error } {
  let delayMs = baseMs;
  let error: Error | undefined;
  for (const o of outages) {
    if (now < o.from || now >= o.until) continue;
    if (o.mode === 'slow') delayMs += o.ms;
    else if (o.mode === 'hang') delayMs = Math.max(delayMs, o.until - now + baseMs);
    else error = new Error(`simulated store failure (outage ${o.from}–${o.until} ms)`);
  }
  return error ? { delayMs, error } : { delayMs };
}
