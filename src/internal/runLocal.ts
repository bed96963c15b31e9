import { isObservable, type ObservableInput, type SchedulerLike, type Unsubscribable } from 'rxjs';
import {
  CancelledError,
  InvalidStateError,
  LocalStepError,
  LocalStepTimeoutError,
  type RocketMQRxError,
  StoreError,
} from '../errors.js';
import { RecordReason, type StateStore, type TransactionRecord } from '../StateStore.js';
import type { Half, Local } from '../Transaction.js';
import { isTransactionState, TransactionState } from '../TransactionState.js';
import { firstValue, isPromiseLike } from './firstValue.js';
import type { Task } from './task.js';

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
 * the step runs: recorded `unknown` (cancelled), and a step that was a Promise still has its
 * eventual answer recorded, so the check-back answers from what really happened.
 */
export function runLocal(
  half: Half,
  step: (half: Half) => LocalStepResult,
  config: RunLocalConfig,
): Task<Local> {
  return (subscriber) => {
    const context = {
      topic: half.message.topic,
      messageId: half.messageId,
      transactionId: half.transactionId,
    };
    let decided = false;
    let pending: PromiseLike<TransactionState> | undefined;
    let answer: Unsubscribable | undefined;
    let timer: Unsubscribable | undefined;

    const decide = (outcome: Outcome) => {
      if (decided) return;
      decided = true;
      timer?.unsubscribe();
      answer?.unsubscribe();
      record(half, outcome, config, (local) => {
        subscriber.next(local);
        subscriber.complete();
      });
    };
    const fromValue = (value: unknown) => outcomeOf(half, value);
    const fromError = (error: unknown) => failureOf(half, error);

    let result: unknown;
    try {
      result = step(half);
    } catch (error) {
      decide(fromError(error));
    }
    if (!decided) {
      if (isTransactionState(result)) decide(fromValue(result));
      else if (isPromiseLike<TransactionState>(result) || isObservable(result) || isIterableObject(result)) {
        if (isPromiseLike<TransactionState>(result)) pending = result;
        answer = firstValue(
          result as ObservableInput<TransactionState>,
          (v) => decide(fromValue(v)),
          (e) => decide(fromError(e)),
        );
        // Only an answer still to come needs a timer.
        if (!decided) {
          timer = config.scheduler.schedule(
            () =>
              decide({
                state: TransactionState.Unknown,
                reason: RecordReason.Timeout,
                cause: new LocalStepTimeoutError(
                  `The local step did not answer within ${config.timeoutMs} ms`,
                  {
                    context,
                  },
                ),
              }),
            config.timeoutMs,
          );
        }
      } else decide(fromValue(result));
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
        { state: TransactionState.Unknown, reason: RecordReason.Cancelled, cause: cancelled },
        config,
        () => {},
      );
      // A Promise cannot be cancelled: when it settles, its answer is the truth to record.
      pending?.then(
        (state) => {
          if (isTransactionState(state) && state !== TransactionState.Unknown) {
            record(half, { state, reason: RecordReason.LocalStep }, config, () => {});
          }
        },
        () => {},
      );
    };
  };
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

/** Writes the outcome to the store (when there is one), then hands over the `Local`. */
function record(half: Half, outcome: Outcome, config: RunLocalConfig, done: (local: Local) => void): void {
  const store = config.store;
  if (!store) {
    done(toLocal(half, outcome, false));
    return;
  }
  const rec: TransactionRecord = {
    messageId: half.messageId,
    transactionId: half.transactionId,
    topic: half.message.topic,
    state: outcome.state,
    reason: outcome.reason,
    sentAt: half.sentAt,
    updatedAt: config.scheduler.now(),
  };
  const failed = (error: unknown) =>
    done({
      ...toLocal(half, outcome, false),
      storeError: new StoreError(`Recording the outcome failed: ${messageOf(error)}`, {
        cause: error,
        context: { topic: half.message.topic, messageId: half.messageId, transactionId: half.transactionId },
      }),
    });
  let input: ObservableInput<unknown>;
  try {
    input = store.save(rec);
  } catch (error) {
    failed(error);
    return;
  }
  // The write is never cancelled: an outcome must not be half-recorded because a stream ended.
  firstValue(input, () => done(toLocal(half, outcome, true)), failed);
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
