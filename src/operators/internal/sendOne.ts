import type { SchedulerLike } from 'rxjs';
import type { BrokerPort } from '../../core/BrokerPort.js';
import { ValidationError } from '../../core/errors.js';
import { retrying } from '../../core/internal/retrying.js';
import { brokerError } from '../../core/internal/toError.js';
import type { RetryConfig } from '../../core/RetryConfig.js';
import type { Telemetry, TransactionTrace } from '../../core/Telemetry.js';
import { Fate, type Half, type Rejected } from '../../core/Transaction.js';
import type { ValidMessage } from '../../core/TransactionalMessage.js';
import { validateMessage } from '../../core/validateMessage.js';
import { rememberOwner, rollbackHalf } from './halfOwners.js';
import type { Sink, Task } from './task.js';
import { attachTrace } from './transactionTraces.js';

export interface SendOneConfig {
  readonly retry: RetryConfig | undefined;
  readonly onRejected: 'emit' | 'error';
  readonly scheduler: SchedulerLike;
  /**
   * Remember which broker holds the half, so a later operator that must give it up can roll it
   * back. Needed only when halves leave this step as values (`sendHalf`), not inside `transactional`.
   */
  readonly trackOwner: boolean;
  /** Set when tracing is on; the trace then follows the half through the later stages. */
  readonly telemetry: Telemetry | undefined;
}

/**
 * Validates and sends one half message. Emits the `Half`, or a `Rejected` (invalid, or the send
 * failed for good). Unsubscribed while the send is under way, it lets the send finish and rolls
 * back whatever the broker stored: a cancelled send must never leave a half to be committed.
 */
export function sendOne(broker: BrokerPort, input: unknown, config: SendOneConfig): Task<Half | Rejected> {
  const validated = validateMessage(input);
  return (subscriber) => {
    if (validated instanceof ValidationError) {
      if (config.onRejected === 'error') subscriber.error(validated);
      else {
        subscriber.next({ _tag: 'Rejected', input, error: validated });
        subscriber.complete();
      }
      return undefined;
    }
    const trace = config.telemetry?.transaction(validated, config.scheduler.now());
    const message: ValidMessage = trace
      ? { ...validated, properties: trace.halfProperties(validated.properties) }
      : validated;
    let abandoned = false;
    let settled = false;
    retrying(
      () => broker.sendHalf(message),
      config.retry,
      config.scheduler,
      (receipt, attempts) => {
        settled = true;
        if (!receipt) {
          trace?.sendFailed(new Error('no receipt'), attempts, config.scheduler.now());
          reject(
            subscriber,
            input,
            message,
            config,
            new Error('The broker answered the half message with no receipt'),
          );
          return;
        }
        const half = toHalf(message, receipt.messageId, receipt.transactionId, config.scheduler.now());
        if (trace) traced(trace, half, attempts, abandoned, config.scheduler);
        if (abandoned) {
          rollbackHalf(half, ownerOf(broker, config));
          return;
        }
        if (config.trackOwner) rememberOwner(half, ownerOf(broker, config));
        subscriber.next(half);
        subscriber.complete();
      },
      (error, attempts) => {
        settled = true;
        trace?.sendFailed(error, attempts, config.scheduler.now());
        if (!abandoned) reject(subscriber, input, message, config, error);
      },
      trace ? (error, attempt) => trace.retried('send', error, attempt, config.scheduler.now()) : undefined,
    );
    // The send itself is not cancelled: what it stores must be rolled back, so it must be known.
    return () => {
      if (!settled) abandoned = true;
    };
  };
}

function reject(
  subscriber: Sink<Half | Rejected>,
  input: unknown,
  message: ValidMessage,
  config: SendOneConfig,
  error: unknown,
): void {
  const rejected: Rejected = { _tag: 'Rejected', input, error: brokerError(error, { topic: message.topic }) };
  if (config.onRejected === 'error') subscriber.error(rejected.error);
  else {
    subscriber.next(rejected);
    subscriber.complete();
  }
}

function ownerOf(broker: BrokerPort, config: SendOneConfig) {
  return { broker, retry: config.retry, scheduler: config.scheduler };
}

function toHalf(message: ValidMessage, messageId: string, transactionId: string, sentAt: number): Half {
  return { _tag: 'Half', message, messageId, transactionId, sentAt };
}

function traced(
  trace: TransactionTrace,
  half: Half,
  attempts: number,
  abandoned: boolean,
  scheduler: SchedulerLike,
): void {
  trace.sent(half.messageId, half.transactionId, attempts, scheduler.now());
  // Abandoned: rolled back at once, so that is its fate (the rollback is not awaited).
  if (abandoned) trace.ended(Fate.RolledBack, 0, undefined, scheduler.now());
  else attachTrace(half, trace);
}
