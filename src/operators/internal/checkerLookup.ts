import { defaultIfEmpty, defer, from, map, type ObservableInput, of, take } from 'rxjs';
import type { CheckBack } from '../../core/BrokerPort.js';
import { CheckerError } from '../../core/errors.js';
import { isTransactionState, TransactionState } from '../../core/TransactionState.js';
import { AnswerSource } from '../AnswerSource.js';
import type { CheckBackLookup, Decision } from './checkBackLookup.js';

/** What a checker may return: a state now, or later as a Promise or an Observable's first value. */
export type CheckerResult = TransactionState | ObservableInput<TransactionState>;

/** A value that completed without one: kept apart from `undefined`, which a checker may answer. */
const NO_ANSWER = Symbol('no answer');

/** Check-backs answered by the user's function. */
export function checkerLookup(checker: (check: CheckBack) => CheckerResult): CheckBackLookup {
  return {
    decide: (check) =>
      defer(() => {
        const result: unknown = checker(check);
        if (isTransactionState(result)) return of(answered(result));
        // A string is iterable, so `from` would take it apart letter by letter: refuse it whole.
        if (result === null || (typeof result !== 'object' && typeof result !== 'function')) {
          throw invalid(result, check);
        }
        return from(result as ObservableInput<unknown>).pipe(
          take(1),
          defaultIfEmpty(NO_ANSWER),
          map((value) => {
            if (isTransactionState(value)) return answered(value);
            throw invalid(value, check);
          }),
        );
      }),
    failed: (error, context) => ({
      state: TransactionState.Unknown,
      source: AnswerSource.CheckerError,
      cause:
        error instanceof CheckerError
          ? error
          : new CheckerError(`The checker failed: ${String(error)}`, { cause: error, context }),
    }),
  };
}

function answered(state: TransactionState): Decision {
  return { state, source: AnswerSource.Checker };
}

function invalid(value: unknown, check: CheckBack): CheckerError {
  const what =
    value === NO_ANSWER
      ? 'completed without answering'
      : `answered ${typeof value === 'string' ? JSON.stringify(value) : value === null ? 'null' : typeof value}, which is not commit, rollback or unknown`;
  return new CheckerError(`The checker ${what}`, {
    context: { topic: check.topic, messageId: check.messageId, transactionId: check.transactionId },
  });
}
