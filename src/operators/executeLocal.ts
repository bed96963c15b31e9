import { asyncScheduler, type Observable, type SchedulerLike } from 'rxjs';
import { defaults } from '../core/defaults.js';
import { checkConfig } from '../core/internal/checkConfig.js';
import type { StateStore } from '../core/StateStore.js';
import type { Half, Local, Rejected } from '../core/Transaction.js';
import { boundedMerge } from './internal/boundedMerge.js';
import { rollbackAbandoned } from './internal/halfOwners.js';
import { type LocalStepResult, runLocal } from './internal/runLocal.js';
import type { Task } from './internal/task.js';

export type { LocalStepResult } from './internal/runLocal.js';

/** The user's local transaction: answers commit, rollback or unknown, now or later. */
export type LocalStep = (half: Half) => LocalStepResult;

/** Options of `executeLocal`. */
export interface ExecuteLocalConfig {
  /**
   * Time the local step may take before the transaction is left `unknown` (the check-back then
   * decides). Default 10 000 ms: well inside the 5.x proxy's 30 s memory of the transaction.
   */
  readonly timeoutMs?: number;
  /** Where outcomes are recorded, before they are emitted, for check-backs to read. Default: none. */
  readonly store?: StateStore;
  /** Local steps running at once. Default 16. */
  readonly concurrency?: number;
  /** Scheduler for the timeout and timestamps. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
}

/**
 * Runs the local transaction for each half message and emits its outcome.
 *
 * `step(half)` answers a `TransactionState` synchronously, as a Promise, or as an Observable (its
 * first value counts). A throw, a rejection, an error, a value that is not a state, or the
 * timeout become `unknown`, with the cause kept in the emitted `Local`. With a `store`, the
 * outcome is recorded before it is emitted. `Rejected` values pass through untouched.
 *
 * ```
 * halves:        --A------B--------C---|
 * step answers:    (3 frames) commit; B throws; C never answers (timeout 10)
 * executeLocal:  -----a----b--------------c|     a: commit, b: unknown (LocalStepError),
 *                                                c: unknown (LocalStepTimeoutError)
 * ```
 *
 * Unsubscribing never commits: halves whose step had not started are rolled back; a step that is
 * running is left to the check-back and recorded `unknown` (cancelled) — and a Promise step that
 * settles afterwards still has its answer recorded, so the check-back answers from the truth.
 *
 * @example
 * ```ts
 * import { executeLocal, memoryStateStore, TransactionState } from 'rocketmq-rx';
 *
 * const store = memoryStateStore();
 * halves$.pipe(
 *   executeLocal(async (half) => {
 *     await db.insertOrder(half.messageId);
 *     return TransactionState.Commit;
 *   }, { store, timeoutMs: 5_000 }),
 * );
 * ```
 */
export function executeLocal(
  step: LocalStep,
  config: ExecuteLocalConfig = {},
): <T extends Half | Rejected>(source: Observable<T>) => Observable<Local | Exclude<T, Half>> {
  checkConfig('executeLocal config', [
    ['timeoutMs', config.timeoutMs, 'timeoutMs'],
    ['concurrency', config.concurrency, 'positiveInt'],
  ]);
  const one = {
    timeoutMs: config.timeoutMs ?? defaults.localTimeoutMs,
    store: config.store,
    scheduler: config.scheduler ?? asyncScheduler,
  };
  const concurrency = config.concurrency ?? defaults.concurrency;
  return <T extends Half | Rejected>(source: Observable<T>) =>
    boundedMerge(
      source,
      (value: T): Task<Local | Exclude<T, Half>> => runLocal(value as Half, step, one),
      concurrency,
      {
        // A Rejected passes through at once: it never waits for a slot behind running steps.
        passThrough: (value) => (value._tag === 'Half' ? undefined : (value as Exclude<T, Half>)),
        onAbandoned: (items) => {
          for (const item of items) rollbackAbandoned(item as Half); // only halves are buffered
        },
      },
    );
}
