import type { SchedulerLike } from 'rxjs';
import type { BrokerPort } from '../../core/BrokerPort.js';
import { retrying } from '../../core/internal/retrying.js';
import { brokerError } from '../../core/internal/toError.js';
import type { RetryConfig } from '../../core/RetryConfig.js';
import { Fate, type Local, type Resolved } from '../../core/Transaction.js';
import type { Task } from './task.js';
import { traceOf } from './transactionTraces.js';

export interface EndOneConfig {
  readonly retry: RetryConfig | undefined;
  readonly scheduler: SchedulerLike;
}

/**
 * Ends one transaction as its local outcome says. `unknown` sends nothing. An end call that fails
 * for good, or that the broker refuses because it forgot the transaction, leaves the transaction
 * to the check-back: a value, never a stream error. Unsubscribing abandons retries still waiting.
 */
export function endOne(broker: BrokerPort, local: Local, config: EndOneConfig): Task<Resolved> {
  return (subscriber) => {
    const trace = traceOf(local.half);
    const emit = (value: Resolved) => {
      trace?.ended(value.fate, value.attempts, value.cause, config.scheduler.now());
      subscriber.next(value);
      subscriber.complete();
    };
    const resolution = local.state;
    // A plain branch rather than ts-pattern's match: this runs once per transaction, and the
    // `never` check below keeps it exhaustive at compile time all the same.
    if (resolution === 'unknown') {
      emit({ _tag: 'Resolved', local, fate: Fate.LeftToCheckBack, attempts: 0 });
      return undefined;
    }
    if (resolution !== 'commit' && resolution !== 'rollback') {
      const impossible: never = resolution;
      throw new Error(`unreachable state ${String(impossible)}`);
    }
    const half = local.half;
    trace?.endStarted(resolution, config.scheduler.now());
    const retry = retrying(
      () =>
        broker.endTransaction({
          topic: half.message.topic,
          messageId: half.messageId,
          transactionId: half.transactionId,
          resolution,
          source: 'client',
        }),
      config.retry,
      config.scheduler,
      (_, attempts) =>
        emit({
          _tag: 'Resolved',
          local,
          fate: resolution === 'commit' ? Fate.Committed : Fate.RolledBack,
          attempts,
        }),
      (error, attempts) =>
        emit({
          _tag: 'Resolved',
          local,
          fate: Fate.LeftToCheckBack,
          attempts,
          cause: brokerError(error, {
            topic: half.message.topic,
            messageId: half.messageId,
            transactionId: half.transactionId,
            attempt: attempts,
          }),
        }),
      trace
        ? (error, attempt) => trace.retried(resolution, error, attempt, config.scheduler.now())
        : undefined,
    );
    return () => retry.unsubscribe();
  };
}
