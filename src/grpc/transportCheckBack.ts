import { defer, EMPTY, from, throwError } from 'rxjs';
import type { CheckBack, CheckBackMessage } from '../core/BrokerPort.js';
import { ClosedError, MalformedCheckBackError } from '../core/errors.js';
import type { Logger } from '../core/Logger.js';
import type { TransactionState } from '../core/TransactionState.js';

/** One check-back as the proxy sent it, decoded. */
export interface CheckBackFields {
  readonly topic: string;
  readonly messageId: string;
  readonly transactionId: string;
  readonly message?: CheckBackMessage;
  readonly bornAt?: number;
  /** When the check stops counting against `maxPendingChecks` (transport clock): its `deadline`. */
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
    deadline,
    answer: (state: TransactionState) =>
      defer(() => {
        deps.settled();
        // Only commit and rollback ever reach the server; unknown means "ask again later", and
        // leaves the check to any other answerer (one that knows, say).
        if (answered || (state !== 'commit' && state !== 'rollback')) return EMPTY;
        answered = true;
        if (deps.closing()) {
          return throwError(
            () =>
              new ClosedError('Closing: check-back answers are no longer sent', {
                context: { topic, messageId, transactionId },
              }),
          );
        }
        if (!deps.send) {
          return throwError(
            () =>
              new MalformedCheckBackError(
                [{ path: ['message'], message: 'could not be decoded, so no answer can be sent for it' }],
                { context: { topic, messageId, transactionId } },
              ),
          );
        }
        // Late is still worth sending: the proxy keeps the transaction for longer than a check
        // waits, and if it has forgotten it, it says so (TransactionNotFoundError), never silence.
        if (deps.now() > deadline) {
          deps.logger.debug('check-back answered after checkAnswerTimeoutMs', { messageId, transactionId });
        }
        return from(deps.send(state));
      }),
  };
}
