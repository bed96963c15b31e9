/**
 * Exponential backoff for calls to the broker that failed with a retryable error. Delays grow
 * `initialDelayMs × factor^(n−1)`, capped at `maxDelayMs`, optionally spread by `jitter`.
 */
export interface RetryConfig {
  /** Attempts in all, the first included. Default 5. */
  readonly maxAttempts?: number;
  /** Delay before the second attempt, in ms. Default 100. */
  readonly initialDelayMs?: number;
  /** Largest delay, in ms. Default 2000. */
  readonly maxDelayMs?: number;
  /** Growth of the delay from one attempt to the next. Default 2. */
  readonly factor?: number;
  /**
   * Random spread of each delay, 0 to 1 (0.2: ±20 %). Default 0, so that timing is exact and
   * marble-testable; raise it when many producers retry against one broker.
   */
  readonly jitter?: number;
}

/** Delay in ms before retry number `retry` (1 for the first retry). */
export function backoffDelay(retry: number, config: RetryConfig = {}): number {
  const initial = config.initialDelayMs ?? 100;
  const max = config.maxDelayMs ?? 2000;
  const factor = config.factor ?? 2;
  const jitter = config.jitter ?? 0;
  const base = Math.min(max, initial * factor ** (retry - 1));
  return jitter > 0 ? Math.max(0, Math.round(base * (1 + jitter * (2 * Math.random() - 1)))) : base;
}
