import { from, Observable, of, type SchedulerLike, throwError } from 'rxjs';
import type { BrokerPort } from '../BrokerPort.js';
import { ValidationError } from '../errors.js';
import type { RetryConfig } from '../RetryConfig.js';
import type { Half, Rejected } from '../Transaction.js';
import { validateMessage } from '../validateMessage.js';
import { rememberOwner, rollbackAbandoned } from './halfOwners.js';
import { brokerError } from './toError.js';
import { withRetry } from './withRetry.js';

export interface SendOneConfig {
  readonly retry: RetryConfig | undefined;
  readonly onRejected: 'emit' | 'error';
  readonly scheduler: SchedulerLike;
}

/**
 * Validates and sends one half message. Emits the `Half`, or a `Rejected` (invalid, or the send
 * failed for good). Unsubscribed while the send is under way, it lets the send finish and rolls
 * back whatever the broker stored: a cancelled send must never leave a half to be committed.
 */
export function sendOne(
  broker: BrokerPort,
  input: unknown,
  config: SendOneConfig,
): Observable<Half | Rejected> {
  const message = validateMessage(input);
  if (message instanceof ValidationError) {
    return config.onRejected === 'error'
      ? throwError(() => message)
      : of({ _tag: 'Rejected', input, error: message });
  }
  return new Observable<Half | Rejected>((subscriber) => {
    let abandoned = false;
    let settled = false;
    withRetry(() => from(broker.sendHalf(message)), config.retry, config.scheduler).subscribe({
      next: (receipt) => {
        settled = true;
        if (!receipt) {
          subscriber.next({
            _tag: 'Rejected',
            input,
            error: brokerError(new Error('The broker answered the half message with no receipt'), {
              topic: message.topic,
            }),
          });
          subscriber.complete();
          return;
        }
        const half: Half = {
          _tag: 'Half',
          message,
          messageId: receipt.messageId,
          transactionId: receipt.transactionId,
          sentAt: config.scheduler.now(),
        };
        rememberOwner(half, broker, config.retry, config.scheduler);
        if (abandoned) {
          rollbackAbandoned(half);
          return;
        }
        subscriber.next(half);
        subscriber.complete();
      },
      error: (error) => {
        settled = true;
        if (abandoned) return;
        const rejected: Rejected = {
          _tag: 'Rejected',
          input,
          error: brokerError(error, { topic: message.topic }),
        };
        if (config.onRejected === 'error') subscriber.error(rejected.error);
        else {
          subscriber.next(rejected);
          subscriber.complete();
        }
      },
    });
    return () => {
      if (!settled) abandoned = true;
    };
  });
}
