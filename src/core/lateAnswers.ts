import { MAX_TIMER_MS } from './internal/checkConfig.js';
import type { StateStore } from './StateStore.js';

/**
 * Local steps that are still running after their transaction was left to the check-back (timed
 * out, or unsubscribed), per store: their answer is the truth the check-back needs, so whoever
 * closes the store must be able to wait for it to be recorded first.
 */
const running = new WeakMap<StateStore, Set<Promise<void>>>();

/** Registers a late answer on its way into `store`; `recorded` settles once it is written (or failed). */
export function trackLateAnswer(store: StateStore, recorded: Promise<void>): void {
  let set = running.get(store);
  if (!set) {
    set = new Set();
    running.set(store, set);
  }
  const entries = set;
  entries.add(recorded);
  recorded.then(
    () => entries.delete(recorded),
    () => entries.delete(recorded),
  );
}

/** Late answers still to be recorded into `store`. */
export function lateAnswersPending(store: StateStore): number {
  return running.get(store)?.size ?? 0;
}

/** Options of `drainLateAnswers`. */
export interface DrainLateAnswersOptions {
  /** Longest wait; steps still running then are given up on (their transactions stay `unknown`). Default 30 000 ms. */
  readonly timeoutMs?: number;
}

/**
 * Waits until every local step that outlived its transaction's stream (timed out, or running
 * when the stream was unsubscribed) has had its answer recorded into `store`, or `timeoutMs`
 * passed. Resolves to how many were still running when it gave up (0: all recorded). Call it
 * after unsubscribing and before closing the store; the SQL stores' `close()` calls it itself.
 *
 * @example
 * ```ts
 * subscription.unsubscribe();
 * await broker.close();
 * await drainLateAnswers(store, { timeoutMs: 10_000 });
 * ```
 */
export async function drainLateAnswers(
  store: StateStore,
  options: DrainLateAnswersOptions = {},
): Promise<number> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const set = running.get(store);
    if (!set || set.size === 0) return 0;
    const left = deadline - Date.now();
    if (left <= 0) return set.size;
    let timer: ReturnType<typeof setTimeout> | undefined;
    // A late answer may start another (a save that itself waits): loop until none is left.
    await Promise.race([
      Promise.allSettled([...set]),
      new Promise<void>((resolve) => {
        // Wait in pieces a timer can hold: Infinity means as long as it takes.
        timer = setTimeout(resolve, Math.min(left, MAX_TIMER_MS));
      }),
    ]);
    clearTimeout(timer);
  }
}
