import type { Observable, ObservableInput } from 'rxjs';
import type { ValidMessage } from './TransactionalMessage.js';
import type { Resolution, TransactionState } from './TransactionState.js';

/**
 * What the core needs from a broker. The RocketMQ transport and the virtual broker implement it;
 * so can any test double. Methods return `ObservableInput` so that RxJS schedulers, the
 * TestScheduler included, drive their timing.
 */
export interface BrokerPort {
  /** Sends a half message (stored, invisible to consumers). Emits one receipt. */
  sendHalf(message: ValidMessage): ObservableInput<HalfReceipt>;
  /** Commits or rolls back a transaction. Emits once (any value) or completes when done. */
  endTransaction(request: EndTransactionRequest): ObservableInput<unknown>;
  /** The broker's check-back requests: hot, and never erroring for one bad request. */
  readonly checkBacks: Observable<CheckBack>;
}

/** What the broker answers for a half message. */
export interface HalfReceipt {
  readonly messageId: string;
  readonly transactionId: string;
}

/** Who ends a transaction: the producer after its local step, or the answer to a check-back. */
export const EndSource = {
  Client: 'client',
  CheckBack: 'check-back',
} as const;
export type EndSource = (typeof EndSource)[keyof typeof EndSource];

/** A commit or rollback for the broker. */
export interface EndTransactionRequest {
  readonly topic: string;
  readonly messageId: string;
  readonly transactionId: string;
  readonly resolution: Resolution;
  readonly source: EndSource;
}

/** A check-back request: the broker asks whether a half message's transaction committed. */
export interface CheckBack {
  readonly topic: string;
  /** The half message's id, the same as the send returned: correlate check-backs by it. */
  readonly messageId: string;
  /**
   * The id to end the transaction with. On the 5.x proxy it is not the one the send returned: it
   * encodes where the broker keeps the half now, and the broker moves the half at every check.
   */
  readonly transactionId: string;
  /** The half message as the broker stored it, when the transport provides it. */
  readonly message?: CheckBackMessage;
  /** When the half message was sent (ms since the epoch, broker clock), when known. */
  readonly bornAt?: number;
  /**
   * The broker's count of checks of this half, this one included (1 at the first), when the
   * transport knows it. The broker discards the half, never delivered, after `transactionCheckMax`.
   */
  readonly checkCount?: number;
  /**
   * When the broker stops waiting for this check's answer (ms since the epoch, the transport's
   * clock), when known. A later answer is still sent — the broker may refuse it, reported as an
   * error — and a fresh check for the same transaction is due by then.
   */
  readonly deadline?: number;
  /**
   * Answers the broker. `commit` and `rollback` end the transaction; `unknown` sends nothing, does
   * not use the check up (another answerer may still commit or roll it back), and the broker asks
   * again at its next check. Of several commit/rollback answers only the first is sent; an answer
   * that is not sent for a reason (closing, a check that cannot be answered, the broker refusing)
   * errors with a typed cause, never completes as if it were sent.
   * Like every port method it is lazy: nothing is sent until the result is subscribed
   * (`answerCheckBacks` does that for you).
   */
  answer(state: TransactionState): ObservableInput<unknown>;
}

/** The half message as a check-back carries it. */
export interface CheckBackMessage {
  readonly body: Uint8Array;
  readonly tag?: string;
  readonly keys: readonly string[];
  readonly properties: Readonly<Record<string, string>>;
}
