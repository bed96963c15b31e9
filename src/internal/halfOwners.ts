import type { SchedulerLike } from 'rxjs';
import type { BrokerPort } from '../BrokerPort.js';
import type { RetryConfig } from '../RetryConfig.js';
import type { Half } from '../Transaction.js';
import { retrying } from './retrying.js';

/**
 * Which broker sent each half: an operator that must give a half up (unsubscribed before its local
 * step started) rolls it back through the broker that holds it, without being handed that broker.
 */
const owners = new WeakMap<
  Half,
  { broker: BrokerPort; retry: RetryConfig | undefined; scheduler: SchedulerLike }
>();

export function rememberOwner(
  half: Half,
  broker: BrokerPort,
  retry: RetryConfig | undefined,
  scheduler: SchedulerLike,
) {
  owners.set(half, { broker, retry, scheduler });
}

/**
 * Rolls back a half whose local step never started. Fire-and-forget: it outlives the unsubscribed
 * stream; if it fails, the check-back finds no record and the transaction is never committed.
 */
export function rollbackAbandoned(
  half: Half,
  broker?: BrokerPort,
  retry?: RetryConfig,
  scheduler?: SchedulerLike,
): void {
  const owner = broker && scheduler ? { broker, retry, scheduler } : owners.get(half);
  if (!owner) return;
  retrying(
    () =>
      owner.broker.endTransaction({
        topic: half.message.topic,
        messageId: half.messageId,
        transactionId: half.transactionId,
        resolution: 'rollback',
        source: 'client',
      }),
    owner.retry,
    owner.scheduler,
    () => {},
    () => {},
  );
}
