/** Defaults shared by the operators; each config interface documents the one it uses. */
export const defaults = {
  /** Transactions in flight per operator. */
  concurrency: 16,
  /**
   * Local-step timeout. The 5.x proxy forgets a transaction 30 s after its half was sent; 10 s
   * leaves time for the end call and its retries before that.
   */
  localTimeoutMs: 10_000,
  /** Time to answer one check-back before answering `unknown`. */
  checkBackTimeoutMs: 3_000,
  /** Check-backs answered at once. */
  checkBackConcurrency: 32,
  /** Check-backs waiting beyond the concurrency before new ones are shed (answered later). */
  checkBackMaxQueued: 10_000,
} as const;
