import {
  catchError,
  concat,
  concatMap,
  defaultIfEmpty,
  defer,
  from,
  ignoreElements,
  isObservable,
  map,
  Observable,
  type ObservableInput,
  of,
  type SchedulerLike,
  take,
  tap,
  timeout,
} from 'rxjs';
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

function contextOf(half: Half) {
  return { topic: half.message.topic, messageId: half.messageId, transactionId: half.transactionId };
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
): Observable<Local> {
  return new Observable<Local>((subscriber) => {
    let pending: PromiseLike<TransactionState> | undefined;
    let decided = false;
    const ctx = contextOf(half);

    const outcome$ = defer(() => {
      const result = step(half);
      if (isTransactionState(result)) return of(result);
      if (isPromiseLike(result)) {
        pending = result;
        return from(result);
      }
      if (isObservable(result) || isObservableInput(result))
        return from(result as ObservableInput<TransactionState>);
      // A plain value that is not a state: reported as invalid below.
      return of(result as unknown as TransactionState);
    }).pipe(
      take(1),
      defaultIfEmpty(undefined as unknown as TransactionState),
      timeout({
        first: config.timeoutMs,
        scheduler: config.scheduler,
        with: () => {
          throw new LocalStepTimeoutError(`The local step did not answer within ${config.timeoutMs} ms`, {
            context: ctx,
          });
        },
      }),
      map(
        (value): Outcome =>
          isTransactionState(value)
            ? { state: value, reason: RecordReason.LocalStep }
            : {
                state: TransactionState.Unknown,
                reason: RecordReason.Error,
                cause: new InvalidStateError(value, { context: ctx }),
              },
      ),
      catchError((error: unknown) =>
        of<Outcome>(
          error instanceof LocalStepTimeoutError
            ? { state: TransactionState.Unknown, reason: RecordReason.Timeout, cause: error }
            : {
                state: TransactionState.Unknown,
                reason: RecordReason.Error,
                cause: new LocalStepError(`The local step failed: ${messageOf(error)}`, {
                  cause: error,
                  context: ctx,
                }),
              },
        ),
      ),
    );

    const sub = outcome$
      .pipe(
        tap(() => {
          decided = true;
        }),
        concatMap((o) => record(half, o, config)),
      )
      .subscribe(subscriber);

    return () => {
      sub.unsubscribe();
      if (decided || !config.store) return;
      const cancelled = new CancelledError('Unsubscribed while the local step was running', { context: ctx });
      record(
        half,
        { state: TransactionState.Unknown, reason: RecordReason.Cancelled, cause: cancelled },
        config,
      ).subscribe();
      // A Promise cannot be cancelled: when it settles, its answer is the truth to record.
      pending?.then(
        (state) => {
          if (isTransactionState(state) && state !== TransactionState.Unknown) {
            record(half, { state, reason: RecordReason.LocalStep }, config).subscribe();
          }
        },
        () => {},
      );
    };
  });
}

/** Writes the outcome to the store (when there is one), then emits the `Local`. */
function record(half: Half, outcome: Outcome, config: RunLocalConfig): Observable<Local> {
  const base = {
    _tag: 'Local' as const,
    half,
    state: outcome.state,
    ...(outcome.cause ? { cause: outcome.cause } : {}),
  };
  const store = config.store;
  if (!store) return of({ ...base, recorded: false });
  const rec: TransactionRecord = {
    messageId: half.messageId,
    transactionId: half.transactionId,
    topic: half.message.topic,
    state: outcome.state,
    reason: outcome.reason,
    sentAt: half.sentAt,
    updatedAt: config.scheduler.now(),
  };
  return concat(
    defer(() => from(store.save(rec))).pipe(ignoreElements()),
    of<Local>({ ...base, recorded: true }),
  ).pipe(
    catchError((error: unknown) =>
      of<Local>({
        ...base,
        recorded: false,
        storeError: new StoreError(`Recording the outcome failed: ${messageOf(error)}`, {
          cause: error,
          context: contextOf(half),
        }),
      }),
    ),
  );
}

function isPromiseLike(value: unknown): value is PromiseLike<TransactionState> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

function isObservableInput(value: unknown): boolean {
  return (
    value !== null && typeof value === 'object' && (Symbol.asyncIterator in value || Symbol.iterator in value)
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
