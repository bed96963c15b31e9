import type { Observable } from 'rxjs';
import type { CheckBack } from '../../core/BrokerPort.js';
import type { ErrorContext, RocketMQRxError } from '../../core/errors.js';
import type { TransactionRecord } from '../../core/StateStore.js';
import type { TransactionState } from '../../core/TransactionState.js';
import type { AnswerSource } from '../AnswerSource.js';

/** What a lookup decided for one check-back, before the answer is sent. */
export interface Decision {
  readonly state: TransactionState;
  readonly source: AnswerSource;
  readonly record?: TransactionRecord;
  readonly cause?: RocketMQRxError;
}

/**
 * Where `answerCheckBacks` finds the truth: a state store or the user's checker. Everything else
 * (triage, concurrency, timeout, dedup, shedding, answering, counting) is the same for both, so
 * the lookup is the only part that differs.
 */
export interface CheckBackLookup {
  /** Emits one decision; may error (the failure is turned into an `unknown` by `failed`). */
  decide(check: CheckBack): Observable<Decision>;
  /** The `unknown` answer for a lookup that failed. */
  failed(error: unknown, context: ErrorContext): Decision;
}
