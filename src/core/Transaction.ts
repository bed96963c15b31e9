import type { RocketMQRxError } from './errors.js';
import type { ValidMessage } from './TransactionalMessage.js';
import type { TransactionState } from './TransactionState.js';

/**
 * The values that flow through a transactional pipeline, one kind per stage, each tagged:
 *
 *   TransactionalMessage ─sendHalf→ Half ─executeLocal→ Local ─resolve→ Resolved
 *                                └──────────── Rejected (passes through every later stage)
 */

/** A half message the broker stored (`sendHalf`'s output). */
export interface Half {
  readonly _tag: 'Half';
  readonly message: ValidMessage;
  readonly messageId: string;
  readonly transactionId: string;
  /** When the broker acknowledged the half (scheduler clock, ms). */
  readonly sentAt: number;
}

/** The local transaction's outcome (`executeLocal`'s output). */
export interface Local {
  readonly _tag: 'Local';
  readonly half: Half;
  readonly state: TransactionState;
  /** Why the state is `unknown` when the local step did not say so itself. */
  readonly cause?: RocketMQRxError;
  /** Whether the outcome was recorded in the state store (false when no store is configured). */
  readonly recorded: boolean;
  /** Set when recording failed; the outcome is still acted on. */
  readonly storeError?: RocketMQRxError;
}

/** What became of a transaction (`resolve`'s output). */
export const Fate = {
  /** The commit reached the broker: the message is delivered. */
  Committed: 'committed',
  /** The rollback reached the broker: the message is dropped. */
  RolledBack: 'rolled-back',
  /** Nothing was (or could be) ended: the broker's check-back decides from the store. */
  LeftToCheckBack: 'left-to-check-back',
} as const;
export type Fate = (typeof Fate)[keyof typeof Fate];

/** How a transaction ended (`resolve`'s output). */
export interface Resolved {
  readonly _tag: 'Resolved';
  readonly local: Local;
  readonly fate: Fate;
  /** End calls made (0 when the state was `unknown`). */
  readonly attempts: number;
  /** Why the transaction was left to the check-back, when an end call failed. */
  readonly cause?: RocketMQRxError;
}

/** A message that never became a half: invalid, or its send failed for good. */
export interface Rejected {
  readonly _tag: 'Rejected';
  /** The message as given. */
  readonly input: unknown;
  readonly error: RocketMQRxError;
}

/** Every value a transactional pipeline can emit. */
export type TransactionValue = Half | Local | Resolved | Rejected;
