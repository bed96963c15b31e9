import { defer, EMPTY, from, throwError } from 'rxjs';
import type { CheckBack, CheckBackMessage } from '../core/BrokerPort.js';
import { ClosedError } from '../core/errors.js';
import type { Logger } from '../core/Logger.js';
import type { TransactionState } from '../core/TransactionState.js';

/** One check-back as the proxy sent it, decoded. */
export interface CheckBackFields {
  readonly topic: string;
  readonly messageId: string;
  readonly transactionId: string;
  readonly message?: CheckBackMessage;
  readonly bornAt?: number;
  /** When the check stops counting against `maxPendingChecks` (transport clock). */
  readonly deadline: number;
}

/** What answering a check needs from the transport. */
export interface CheckBackDeps {
  readonly now: () => number;
  readonly closing: () => boolean;
  /** The end call for this check; undefined when the check's message could not be decoded. */
  readonly send: ((resolution: 'commit' | 'rollback') => Promise<void>) | undefined;
  /** The check no longer waits for an answer. */
  readonly settled: () => void;
  readonly logger: Logger;
}

/** The `CheckBack` handed to the application for one check-back command of the proxy. */
export function transportCheckBack(fields: CheckBackFields, deps: CheckBackDeps): CheckBack {
  const { topic, messageId, transactionId, deadline } = fields;
  let answered = false;
  return {
    topic,
    messageId,
    transactionId,
    ...(fields.message ? { message: fields.message } : {}),
    ...(fields.bornAt === undefined ? {} : { bornAt: fields.bornAt }),
    answer: (state: TransactionState) =>
      defer(() => {
        if (answered) return EMPTY;
        answered = true;
        deps.settled();
        // Only commit and rollback ever reach the server; unknown means "ask again later".
        if (state !== 'commit' && state !== 'rollback') return EMPTY;
        if (deps.closing()) {
          return throwError(
            () =>
              new ClosedError('Closing: check-back answers are no longer sent', {
                context: { topic, messageId, transactionId },
              }),
          );
        }
        if (deps.now() > deadline) {
          deps.logger.warn('check-back answer dropped: later than checkAnswerTimeoutMs', {
            messageId,
            transactionId,
          });
          return EMPTY;
        }
        if (!deps.send) return EMPTY;
        return from(deps.send(state));
      }),
  };
}
