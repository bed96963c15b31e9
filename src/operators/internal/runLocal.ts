import { isObservable, type ObservableInput, type SchedulerLike, type Unsubscribable } from 'rxjs';
import {
  CancelledError,
  InvalidStateError,
  LocalStepError,
  LocalStepTimeoutError,
  type RocketMQRxError,
  StoreError,
} from '../../core/errors.js';
import { firstValue, isPromiseLike } from '../../core/internal/firstValue.js';
import { trackLateAnswer } from '../../core/lateAnswers.js';
import {
  RecordReason,
  type StateStore,
  type TransactionRecord,
  withTraceContext,
} from '../../core/StateStore.js';
import type { Half, Local } from '../../core/Transaction.js';
import { isTransactionState, TransactionState } from '../../core/TransactionState.js';
import type { Sink, Task } from './task.js';
import { traceOf } from './transactionTraces.js';

/** What a local step may return: a state now, later (Promise), or as an Observable's first value. */
export type LocalStepResult =
  | TransactionState
  | PromiseLike<TransactionState>
  | ObservableInput<TransactionState>;

export interface RunLocalConfig {
  readonly timeoutMs: number;
  readonly store: StateStore | undefined;
  readonly scheduler: SchedulerLike;
}

interface Outcome {
  readonly state: TransactionState;
  readonly reason: RecordReason;
  readonly cause?: RocketMQRxError;
}

/**
 * Runs the local step for one half and records its outcome before emitting it. A throw, an
 * error, an invalid answer or the timeout become `unknown` with the cause kept. Unsubscribed while
 * the step runs: recorded `unknown` (cancelled). A Promise step that outlives its transaction
 * (timed out or cancelled) still has its eventual answer recorded, so the check-back answers from
 * what really happened; `drainLateAnswers(store)` waits for those records.
 */
export function runLocal(
  half: Half,
  step: (half: Half) => LocalStepResult,
  config: RunLocalConfig,
): Task<Local> {
  return (subscriber) => {
    const trace = traceOf(half);
    // Unsubscribed while the outcome is being saved: the save finishes, but nothing follows it
    // (no end call: the check-back answers from the record).
    let live = true;
    let done = false;
    const sink: Sink<Local> = {
      next: (local) => {
        if (live) subscriber.next(local);
      },
      error: (error) => {
        if (live) subscriber.error(error);
      },
      complete: () => {
        done = true;
        if (live) subscriber.complete();
      },
    };
    const stopped = () => {
      live = false;
    };
    let result: unknown;
    try {
      result = trace ? trace.runStep(() => step(half), config.scheduler.now()) : step(half);
    } catch (error) {
      record(half, reported(half, failureOf(half, error), config), config, sink);
      return done ? undefined : stopped;
    }
    // The common case, a state answered at once, needs no timer: it is decided.
    if (!isPromiseLike(result) && !isObservable(result) && !isIterableObject(result)) {
      record(half, reported(half, outcomeOf(half, result), config), config, sink);
      return done ? undefined : stopped;
    }
    const stop = awaitAnswer(half, result as ObservableInput<TransactionState>, config, sink);
    return () => {
      live = false;
      stop();
    };
  };
}

/** An answer still to come: first value, error or timeout decides, whichever comes first. */
function awaitAnswer(
  half: Half,
  result: ObservableInput<TransactionState>,
  config: RunLocalConfig,
  subscriber: Sink<Local>,
): () => void {
  let decided = false;
  let timer: Unsubscribable | undefined;
  let answer: Unsubscribable | undefined; // unset while an answer given synchronously is decided
  const decide = (outcome: Outcome) => {
    if (decided) return;
    decided = true;
    timer?.unsubscribe();
    answer?.unsubscribe();
    record(half, reported(half, outcome, config), config, subscriber);
    if (outcome.reason === RecordReason.Timeout) followLate(half, result, config);
  };
  answer = firstValue(
    result,
    (v) => decide(outcomeOf(half, v)),
    (e) => decide(failureOf(half, e)),
  );
  if (!decided) {
    timer = config.scheduler.schedule(
      () =>
        decide({
          state: TransactionState.Unknown,
          reason: RecordReason.Timeout,
          cause: new LocalStepTimeoutError(`The local step did not answer within ${config.timeoutMs} ms`, {
            context: contextOf(half),
          }),
        }),
      config.timeoutMs,
    );
  }
  return () => {
    timer?.unsubscribe();
    answer?.unsubscribe();
    if (decided || !config.store) return;
    const cancelled = new CancelledError('Unsubscribed while the local step was running', {
      context: contextOf(half),
    });
    record(
      half,
      reported(
        half,
        { state: TransactionState.Unknown, reason: RecordReason.Cancelled, cause: cancelled },
        config,
      ),
      config,
    );
    followLate(half, result, config);
  };
}

/**
 * A Promise cannot be cancelled: when a step that outlived its transaction settles, its answer is
 * the truth to record (after the `unknown` written at the timeout or cancellation: the store keeps
 * the later write). An Observable step was unsubscribed, which is its cancellation; a late
 * `unknown` or a failure leave the record `unknown`.
 */
function followLate(half: Half, result: unknown, config: RunLocalConfig): void {
  const store = config.store;
  if (!store || !isPromiseLike<TransactionState>(result)) return;
  trackLateAnswer(
    store,
    new Promise<void>((done) => {
      result.then(
        (state) => {
          if (isTransactionState(state) && state !== TransactionState.Unknown) {
            record(half, { state, reason: RecordReason.LocalStep }, config, undefined, done);
          } else done();
        },
        () => done(),
      );
    }),
  );
}

/** Tells the transaction's trace, if it has one, how the local step ended. */
function reported(half: Half, outcome: Outcome, config: RunLocalConfig): Outcome {
  traceOf(half)?.localEnded(outcome.state, outcome.reason, outcome.cause, config.scheduler.now());
  return outcome;
}

const LOCAL_STEP_OUTCOMES: Readonly<Record<TransactionState, Outcome>> = {
  commit: { state: TransactionState.Commit, reason: RecordReason.LocalStep },
  rollback: { state: TransactionState.Rollback, reason: RecordReason.LocalStep },
  unknown: { state: TransactionState.Unknown, reason: RecordReason.LocalStep },
};

// Built only when needed: most transactions never fail, and these run once per transaction.
function contextOf(half: Half) {
  return { topic: half.message.topic, messageId: half.messageId, transactionId: half.transactionId };
}

function outcomeOf(half: Half, value: unknown): Outcome {
  return isTransactionState(value)
    ? LOCAL_STEP_OUTCOMES[value]
    : {
        state: TransactionState.Unknown,
        reason: RecordReason.Error,
        cause: new InvalidStateError(value, { context: contextOf(half) }),
      };
}

function failureOf(half: Half, error: unknown): Outcome {
  return {
    state: TransactionState.Unknown,
    reason: RecordReason.Error,
    cause: new LocalStepError(`The local step failed: ${messageOf(error)}`, {
      cause: error,
      context: contextOf(half),
    }),
  };
}

/**
 * Writes the outcome to the store (when there is one), then hands the `Local` to `sink` (when
 * given: a record made at cancellation is written for the check-back only).
 */
function record(
  half: Half,
  outcome: Outcome,
  config: RunLocalConfig,
  sink?: Sink<Local>,
  written?: () => void,
): void {
  const store = config.store;
  if (!store) {
    emit(sink, toLocal(half, outcome, false));
    return;
  }
  const rec: TransactionRecord = withTraceContext(
    {
      messageId: half.messageId,
      transactionId: half.transactionId,
      topic: half.message.topic,
      state: outcome.state,
      reason: outcome.reason,
      sentAt: half.sentAt,
      updatedAt: config.scheduler.now(),
    },
    half.message.properties,
  );
  let input: ObservableInput<unknown>;
  try {
    input = store.save(rec);
  } catch (error) {
    written?.();
    emit(sink, storeFailed(half, outcome, error));
    return;
  }
  // The write is never cancelled: an outcome must not be half-recorded because a stream ended.
  firstValue(
    input,
    () => {
      written?.();
      emit(sink, toLocal(half, outcome, true));
    },
    (error) => {
      written?.();
      emit(sink, storeFailed(half, outcome, error));
    },
  );
}

function emit(sink: Sink<Local> | undefined, local: Local): void {
  if (!sink) return;
  sink.next(local);
  sink.complete();
}

function storeFailed(half: Half, outcome: Outcome, error: unknown): Local {
  return {
    ...toLocal(half, outcome, false),
    storeError: new StoreError(`Recording the outcome failed: ${messageOf(error)}`, {
      cause: error,
      context: contextOf(half),
    }),
  };
}

function toLocal(half: Half, outcome: Outcome, recorded: boolean): Local {
  return outcome.cause
    ? { _tag: 'Local', half, state: outcome.state, cause: outcome.cause, recorded }
    : { _tag: 'Local', half, state: outcome.state, recorded };
}

function isIterableObject(value: unknown): boolean {
  return (
    value !== null && typeof value === 'object' && (Symbol.asyncIterator in value || Symbol.iterator in value)
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
