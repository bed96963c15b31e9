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
import { match, P } from 'ts-pattern';
import type { CheckBack } from '../core/BrokerPort.js';
import { defaults } from '../core/defaults.js';
import {
  CheckBackTimeoutError,
  MalformedCheckBackError,
  type RocketMQRxError,
  StoreError,
  type ValidationIssue,
} from '../core/errors.js';
import { checkConfig } from '../core/internal/checkConfig.js';
import { evictOldest } from '../core/internal/evictOldest.js';
import { isAbsentMarker } from '../core/internal/recordRules.js';
import { brokerError } from '../core/internal/toError.js';
import {
  type AbsentCheck,
  RecordReason,
  type StateStore,
  type TransactionRecord,
} from '../core/StateStore.js';
import { TransactionState } from '../core/TransactionState.js';
import { checkBackIssues } from '../core/validateMessage.js';
import { boundedMerge } from './internal/boundedMerge.js';
import { observableTask } from './internal/task.js';

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
}

/** Where an answer came from. */
export const AnswerSource = {
  /** The store's record. */
  Store: 'store',
  /** No record (yet): answered `unknown`. */
  Absent: 'absent',
  /** No record and older than `rollbackAbsentAfterMs`: answered `rollback`. */
  AbsentExpired: 'absent-expired',
  /** The lookup passed `timeoutMs`: answered `unknown`. */
  Timeout: 'timeout',
  /** The store failed: answered `unknown`. */
  StoreError: 'store-error',
} as const;
export type AnswerSource = (typeof AnswerSource)[keyof typeof AnswerSource];

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
      /** Why the answer is `unknown` (timeout, store error), or why sending it failed. */
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
 * Answers check-backs from a state store:
 * `checkBacks(broker).pipe(answerCheckBacks(store))`.
 *
 * Each check-back is looked up by message id: a record answers its state; no record answers
 * `unknown` — a local step still running has not recorded anything, so it is never given a
 * contradictory answer — or `rollback` once found absent for `rollbackAbsentAfterMs`. A lookup slower
 * than `timeoutMs` or a failing store answers `unknown` (the broker asks again). At most
 * `concurrency` lookups run at once; a check for a transaction whose lookup is running is a
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
 * import { answerCheckBacks, checkBacks } from 'rocketmq-rx';
 *
 * checkBacks(broker)
 *   .pipe(answerCheckBacks(store, { timeoutMs: 2_000 }))
 *   .subscribe((a) => a._tag === 'Answered' && a.unknownCount > 5 && alert(a));
 * ```
 */
export function answerCheckBacks(
  store: StateStore,
  config: AnswerCheckBacksConfig = {},
): OperatorFunction<CheckBack, CheckBackAnswer> {
  checkConfig('answerCheckBacks config', [
    ['concurrency', config.concurrency, 'positiveInt'],
    ['timeoutMs', config.timeoutMs, 'timeoutMs'],
    ['maxQueued', config.maxQueued, 'nonNegative'],
    ['rollbackAbsentAfterMs', config.rollbackAbsentAfterMs, 'nonNegative'],
    ['maxTracked', config.maxTracked, 'positiveInt'],
  ]);
  const scheduler = config.scheduler ?? asyncScheduler;
  const concurrency = config.concurrency ?? defaults.checkBackConcurrency;
  const timeoutMs = config.timeoutMs ?? defaults.checkBackTimeoutMs;
  const maxQueued = config.maxQueued ?? defaults.checkBackMaxQueued;
  const maxTracked = config.maxTracked ?? 100_000;

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
        const grace = config.rollbackAbsentAfterMs;
        const lookup$ = defer(() => from(store.load(check.messageId))).pipe(
          take(1),
          defaultIfEmpty(undefined),
          mergeMap((record) =>
            grace !== undefined && store.fenceAbsent && (!record || isAbsentMarker(record))
              ? from(store.fenceAbsent(absentOf(check), grace, scheduler.now())).pipe(
                  take(1),
                  map((fenced) => decide(check, fenced, undefined, scheduler)),
                )
              : of(decide(check, record, grace, scheduler)),
          ),
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
                : {
                    state: TransactionState.Unknown,
                    source: AnswerSource.StoreError,
                    cause: new StoreError(`Looking up the check-back failed: ${String(error)}`, {
                      cause: error,
                      context: ctx,
                    }),
                  },
            ),
          ),
        );
        return lookup$.pipe(
          mergeMap((decision) =>
            defer(() => from(check.answer(decision.state))).pipe(
              take(1),
              defaultIfEmpty(undefined),
              map(() => decision),
              catchError((error: unknown) => of({ ...decision, cause: brokerError(error, ctx) })),
            ),
          ),
          map(
            (d): CheckBackAnswer => ({
              _tag: 'Answered',
              check,
              state: d.state,
              source: d.source,
              ...('record' in d && d.record ? { record: d.record } : {}),
              ...(d.cause ? { cause: d.cause } : {}),
              unknownCount: countUnknown(check.messageId, d.state),
            }),
          ),
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

interface Decision {
  readonly state: TransactionState;
  readonly source: AnswerSource;
  readonly record?: TransactionRecord;
  readonly cause?: RocketMQRxError;
}

function absentOf(check: CheckBack): AbsentCheck {
  return {
    messageId: check.messageId,
    transactionId: check.transactionId,
    topic: check.topic,
    ...(check.bornAt === undefined ? {} : { bornAt: check.bornAt }),
  };
}

/** The answer for what the store holds (a record, a check-back's marker or fence, or nothing). */
function decide(
  check: CheckBack,
  record: TransactionRecord | undefined,
  rollbackAbsentAfterMs: number | undefined,
  scheduler: SchedulerLike,
): Decision {
  return (
    match({ record, bornAt: check.bornAt })
      .with({ record: { reason: RecordReason.Absent, state: TransactionState.Unknown } }, ({ record }) => ({
        state: TransactionState.Unknown,
        source: AnswerSource.Absent,
        record,
      }))
      .with({ record: { reason: RecordReason.Absent, state: TransactionState.Rollback } }, ({ record }) => ({
        state: TransactionState.Rollback,
        source: AnswerSource.AbsentExpired,
        record,
      }))
      .with({ record: P.nonNullable }, ({ record }) => ({
        state: record.state,
        source: AnswerSource.Store,
        record,
      }))
      // A store without `fenceAbsent`: the age is the broker's send time against this clock.

      .with({ bornAt: P.number }, ({ bornAt }) =>
        rollbackAbsentAfterMs !== undefined && scheduler.now() - bornAt > rollbackAbsentAfterMs
          ? { state: TransactionState.Rollback, source: AnswerSource.AbsentExpired }
          : { state: TransactionState.Unknown, source: AnswerSource.Absent },
      )
      .otherwise(() => ({ state: TransactionState.Unknown, source: AnswerSource.Absent }))
  );
}
