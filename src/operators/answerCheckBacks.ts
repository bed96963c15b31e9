import {
  asyncScheduler,
  catchError,
  defaultIfEmpty,
  defer,
  finalize,
  from,
  map,
  mergeMap,
  type Observable,
  type OperatorFunction,
  of,
  type SchedulerLike,
  take,
  timeout,
} from 'rxjs';
import type { CheckBack } from '../core/BrokerPort.js';
import { defaults } from '../core/defaults.js';
import {
  CheckBackTimeoutError,
  MalformedCheckBackError,
  type RocketMQRxError,
  ValidationError,
  type ValidationIssue,
} from '../core/errors.js';
import { checkConfig } from '../core/internal/checkConfig.js';
import { evictOldest } from '../core/internal/evictOldest.js';
import { brokerError } from '../core/internal/toError.js';
import type { StateStore, TransactionRecord } from '../core/StateStore.js';
import { activeTelemetry, type Telemetry } from '../core/Telemetry.js';
import { TransactionState } from '../core/TransactionState.js';
import { checkBackIssues } from '../core/validateMessage.js';
import { AnswerSource } from './AnswerSource.js';
import { boundedMerge } from './internal/boundedMerge.js';
import type { CheckBackLookup, Decision } from './internal/checkBackLookup.js';
import { type CheckerResult, checkerLookup } from './internal/checkerLookup.js';
import { storeLookup } from './internal/storeLookup.js';
import { observableTask } from './internal/task.js';

/** Options of `answerCheckBacks`. */
export interface AnswerCheckBacksConfig {
  /** Check-backs answered at once. Default 32. */
  readonly concurrency?: number;
  /** Time to look a check-back up and answer it; past it the answer is `unknown`. Default 3 000 ms. */
  readonly timeoutMs?: number;
  /**
   * Check-backs allowed to wait for a slot; beyond that new ones are shed (not answered, so the
   * broker asks again at its next check) instead of piling up in memory. Default 10 000.
   */
  readonly maxQueued?: number;
  /**
   * A transaction with no record is answered `rollback` once it has been found absent for this
   * long: its local step never recorded an outcome, so it did not commit. Until then it is
   * answered `unknown` (the step may still be running). With a store that has `fenceAbsent` (the
   * memory and SQL stores) the first check that finds nothing leaves a marker stamped with the
   * store's clock, the age is measured from it on that clock, and the rollback is written so that
   * a local step still open cannot record a commit after it (`localStep`'s work then rolls back).
   * Other stores compare the broker's send time with this scheduler's clock. Sound only with a
   * record written in the same database transaction as the business data (`localStep`). Default:
   * never (always `unknown`).
   */
  readonly rollbackAbsentAfterMs?: number;
  /** Transactions whose `unknown` answers are counted at once (oldest forgotten first). Default 100 000. */
  readonly maxTracked?: number;
  /** Scheduler for timeouts and the clock. Default `asyncScheduler`. */
  readonly scheduler?: SchedulerLike;
  /** Where the check-backs are traced and measured. Default: the one set by `useTelemetry` (none). */
  readonly telemetry?: Telemetry;
}

export { AnswerSource } from './AnswerSource.js';

/**
 * Decides a check-back itself, as the Java, Go and Python clients' transaction checkers do: reads
 * the truth (a table, a map keyed by transaction id) and answers its state now, as a Promise, or
 * as an Observable's first value. A throw, an error, no answer or a value that is not a state is
 * answered `unknown` with a `CheckerError` as the cause.
 */
export type TransactionChecker = (check: CheckBack) => CheckerResult;

export type { CheckerResult } from './internal/checkerLookup.js';

/** `answerCheckBacks` options with a checker: those of the store path but the absent-record grace. */
export type CheckerConfig = Omit<AnswerCheckBacksConfig, 'rollbackAbsentAfterMs'>;

/** What `answerCheckBacks` did with one check-back. */
export type CheckBackAnswer =
  | {
      readonly _tag: 'Answered';
      readonly check: CheckBack;
      readonly state: TransactionState;
      readonly source: AnswerSource;
      readonly record?: TransactionRecord;
      /** How many times this transaction has now been answered `unknown` (0 after commit/rollback). */
      readonly unknownCount: number;
      /** Why the answer is `unknown` (timeout, store or checker error), or why sending it failed. */
      readonly cause?: RocketMQRxError;
    }
  /** A check for a transaction whose lookup is running: that lookup answers it, not twice. */
  | { readonly _tag: 'Duplicate'; readonly check: CheckBack }
  /** A check still waiting for a lookup slot when a fresh one for the same transaction came: `by` is answered instead. */
  | { readonly _tag: 'Superseded'; readonly check: CheckBack; readonly by: CheckBack }
  /** Shed because `maxQueued` checks were already waiting: the broker asks again later. */
  | { readonly _tag: 'Shed'; readonly check: CheckBack }
  /** Not a usable check-back: reported, and the stream goes on. */
  | { readonly _tag: 'Malformed'; readonly check: unknown; readonly error: MalformedCheckBackError };

/**
 * Answers check-backs from a state store, `checkBacks(broker).pipe(answerCheckBacks(store))`, or
 * with a checker function, `answerCheckBacks((check) => states.get(check.transactionId) ?? 'unknown')`.
 *
 * From a store, each check-back is looked up by message id: a record answers its state; no record
 * answers `unknown` — a local step still running has not recorded anything, so it is never given a
 * contradictory answer — or `rollback` once found absent for `rollbackAbsentAfterMs`. A checker's
 * answer is sent as it is. A lookup (or checker) slower than `timeoutMs`, a failing store or a
 * failing checker answers `unknown` (the broker asks again). Both paths share everything else: at
 * most `concurrency` lookups run at once; a check for a transaction whose lookup is running is a
 * `Duplicate` and is not answered twice; a fresh check for a transaction whose earlier check still
 * waits for a slot takes its place (the earlier one is `Superseded`), so answers go out on the
 * checks the broker is waiting for; beyond `maxQueued` waiting checks, new ones are `Shed`.
 * A malformed check-back is emitted as `Malformed` and the stream goes on. Every `Answered`
 * carries `unknownCount`, so repeated `unknown` answers — transactions heading for discard after
 * the broker's maximum number of checks — are visible.
 *
 * ```
 * checks:   --a---a'--b---x---|      a, a': same transaction; x: malformed
 * store:      a → commit, b → (absent)
 * answers:  --A---D---B---M---|      A: Answered commit, D: Duplicate (a' while a in flight),
 *                                    B: Answered unknown (unknownCount 1), M: Malformed
 * ```
 *
 * Never errors for a check; completes when the check-backs complete.
 *
 * @example
 * ```ts
 * import { answerCheckBacks, checkBacks, TransactionState } from 'rocketmq-rx';
 *
 * checkBacks(broker)
 *   .pipe(answerCheckBacks(store, { timeoutMs: 2_000 }))
 *   .subscribe((a) => a._tag === 'Answered' && a.unknownCount > 5 && alert(a));
 *
 * // Or decide with a function, as a Java TransactionChecker does:
 * const states = new Map<string, TransactionState>(); // filled by the local transactions
 * checkBacks(broker)
 *   .pipe(answerCheckBacks((check) => states.get(check.transactionId) ?? TransactionState.Unknown))
 *   .subscribe();
 * ```
 */
export function answerCheckBacks(
  store: StateStore,
  config?: AnswerCheckBacksConfig,
): OperatorFunction<CheckBack, CheckBackAnswer>;
export function answerCheckBacks(
  checker: TransactionChecker,
  config?: CheckerConfig,
): OperatorFunction<CheckBack, CheckBackAnswer>;
export function answerCheckBacks(
  truth: StateStore | TransactionChecker,
  config: AnswerCheckBacksConfig = {},
): OperatorFunction<CheckBack, CheckBackAnswer> {
  checkConfig('answerCheckBacks config', [
    ['concurrency', config.concurrency, 'positiveInt'],
    ['timeoutMs', config.timeoutMs, 'timeoutMs'],
    ['maxQueued', config.maxQueued, 'nonNegative'],
    ['rollbackAbsentAfterMs', config.rollbackAbsentAfterMs, 'nonNegative'],
    ['maxTracked', config.maxTracked, 'positiveInt'],
  ]);
  checkTruth(truth, config);
  const scheduler = config.scheduler ?? asyncScheduler;
  const concurrency = config.concurrency ?? defaults.checkBackConcurrency;
  const timeoutMs = config.timeoutMs ?? defaults.checkBackTimeoutMs;
  const maxQueued = config.maxQueued ?? defaults.checkBackMaxQueued;
  const maxTracked = config.maxTracked ?? 100_000;
  const telemetry = activeTelemetry(config.telemetry);
  const lookup: CheckBackLookup =
    typeof truth === 'function'
      ? checkerLookup(truth)
      : storeLookup(truth, config.rollbackAbsentAfterMs, scheduler);

  return (source) =>
    defer(() => {
      // Per subscription: which transactions are being answered, and how often each was unknown.
      // Accepted and not finished (at most `concurrency` run, the rest wait), by message id.
      const inProgress = new Map<string, Accepted>();
      const unknowns = new Map<string, number>();

      const countUnknown = (messageId: string, state: TransactionState): number => {
        if (state !== TransactionState.Unknown) {
          unknowns.delete(messageId);
          return 0;
        }
        const n = (unknowns.get(messageId) ?? 0) + 1;
        unknowns.delete(messageId);
        unknowns.set(messageId, n);
        if (unknowns.size > maxTracked) evictOldest(unknowns, maxTracked);
        return n;
      };

      const answer = (check: CheckBack): Observable<CheckBackAnswer> => {
        const ctx = { topic: check.topic, messageId: check.messageId, transactionId: check.transactionId };
        const trace = telemetry?.checkBack(check, scheduler.now());
        let endError: unknown;
        const lookup$ = defer(() => lookup.decide(check)).pipe(
          timeout({
            first: timeoutMs,
            scheduler,
            with: () => {
              throw new CheckBackTimeoutError(`Looking up the check-back took over ${timeoutMs} ms`, {
                context: ctx,
              });
            },
          }),
          catchError((error: unknown) =>
            of(
              error instanceof CheckBackTimeoutError
                ? { state: TransactionState.Unknown, source: AnswerSource.Timeout, cause: error }
                : lookup.failed(error, ctx),
            ),
          ),
        );
        return lookup$.pipe(
          mergeMap((decision: Decision) => {
            if (trace) {
              trace.decided(decision.state, decision.source, decision.record, scheduler.now());
              if (decision.state !== TransactionState.Unknown)
                trace.endStarted(decision.state, scheduler.now());
            }
            return defer(() => from(check.answer(decision.state))).pipe(
              take(1),
              defaultIfEmpty(undefined),
              map(() => decision),
              catchError((error: unknown) => {
                endError = brokerError(error, ctx);
                return of({ ...decision, cause: endError as RocketMQRxError });
              }),
            );
          }),
          map((d): CheckBackAnswer => {
            const unknownCount = countUnknown(check.messageId, d.state);
            trace?.answered(unknownCount, endError, scheduler.now());
            return {
              _tag: 'Answered',
              check,
              state: d.state,
              source: d.source,
              ...('record' in d && d.record ? { record: d.record } : {}),
              ...(d.cause ? { cause: d.cause } : {}),
              unknownCount,
            };
          }),
          finalize(() => inProgress.delete(check.messageId)),
        );
      };

      const triage = (check: unknown): CheckBackAnswer | Accepted => {
        const issues: ValidationIssue[] = checkBackIssues(check);
        if (typeof (check as CheckBack | null)?.answer !== 'function') {
          issues.push({ path: ['answer'], message: 'must be a function' });
        }
        if (issues.length > 0)
          return { _tag: 'Malformed', check, error: new MalformedCheckBackError(issues) };
        const c = check as CheckBack;
        const waiting = inProgress.get(c.messageId);
        if (waiting?.started) return { _tag: 'Duplicate', check: c };
        if (waiting) {
          // The broker asks again because it stopped waiting for the earlier check: the answer
          // belongs on this one, which takes the stale one's place in the queue.
          const stale = waiting.accepted;
          waiting.accepted = c;
          return { _tag: 'Superseded', check: stale, by: c };
        }
        if (inProgress.size >= concurrency + maxQueued) return { _tag: 'Shed', check: c };
        const accepted: Accepted = { accepted: c, started: false };
        inProgress.set(c.messageId, accepted);
        return accepted;
      };

      return boundedMerge(
        source.pipe(map(triage)),
        (item) => {
          const accepted = item as Accepted;
          accepted.started = true;
          return observableTask(answer(accepted.accepted));
        },
        concurrency,
        {
          // Malformed, Duplicate and Shed are answers already: they never wait for a lookup slot,
          // and a shed check is not held in memory behind the ones being looked up.
          passThrough: (item) => ('accepted' in item ? undefined : item),
          onAbandoned: (items) => {
            for (const item of items) inProgress.delete((item as Accepted).accepted.messageId);
          },
        },
      );
    });
}

/**
 * A check-back let through triage, to be looked up (wrapped: a check may carry any fields). Until
 * its lookup starts, a fresh check for the same transaction replaces `accepted`.
 */
interface Accepted {
  accepted: CheckBack;
  started: boolean;
}

/** A store, or a function answering check-backs: one of them, and the options that fit it. */
function checkTruth(truth: unknown, config: AnswerCheckBacksConfig): void {
  const issues: ValidationIssue[] = [];
  if (typeof truth === 'function') {
    if (config.rollbackAbsentAfterMs !== undefined) {
      issues.push({
        path: ['rollbackAbsentAfterMs'],
        message: 'applies to a store only: a checker decides every answer itself',
      });
    }
  } else if (typeof (truth as StateStore | null)?.load !== 'function') {
    issues.push({ path: ['store'], message: 'must be a StateStore (with load) or a checker function' });
  }
  if (issues.length > 0) throw new ValidationError('answerCheckBacks arguments', issues);
}
