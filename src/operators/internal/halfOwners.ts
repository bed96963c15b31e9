import type { SchedulerLike } from 'rxjs';
import type { BrokerPort } from '../../core/BrokerPort.js';
import { retrying } from '../../core/internal/retrying.js';
import type { RetryConfig } from '../../core/RetryConfig.js';
import { Fate, type Half } from '../../core/Transaction.js';
import { traceOf } from './transactionTraces.js';

interface Owner {
  readonly broker: BrokerPort;
  readonly retry: RetryConfig | undefined;
  readonly scheduler: SchedulerLike;
}

/**
 * Which broker sent each half: an operator that must give a half up (unsubscribed before its local
 * step started) rolls it back through the broker that holds it, without being handed that broker.
 */
const owners = new WeakMap<Half, Owner>();

export function rememberOwner(half: Half, owner: Owner): void {
  owners.set(half, owner);
}

/**
 * Rolls a half back. Fire-and-forget: it outlives the unsubscribed stream; if it fails, the
 * check-back finds no record and the transaction is never committed.
 */
export function rollbackHalf(half: Half, owner: Owner): void {
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

/** Rolls back a half whose local step never started, through the broker that sent it. */
export function rollbackAbandoned(half: Half): void {
  const owner = owners.get(half);
  if (!owner) return;
  traceOf(half)?.ended(Fate.RolledBack, 0, undefined, owner.scheduler.now());
  rollbackHalf(half, owner);
}
