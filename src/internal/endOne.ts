import { catchError, from, map, type Observable, of, type SchedulerLike } from 'rxjs';
import { match } from 'ts-pattern';
import type { BrokerPort } from '../BrokerPort.js';
import type { RetryConfig } from '../RetryConfig.js';
import { Fate, type Local, type Resolved } from '../Transaction.js';
import { brokerError } from './toError.js';
import { withRetry } from './withRetry.js';

export interface EndOneConfig {
  readonly retry: RetryConfig | undefined;
  readonly scheduler: SchedulerLike;
}

/**
 * Ends one transaction as its local outcome says. `unknown` sends nothing. An end call that fails
 * for good, or that the broker refuses because it forgot the transaction, leaves the transaction
 * to the check-back: a value, never a stream error.
 */
export function endOne(broker: BrokerPort, local: Local, config: EndOneConfig): Observable<Resolved> {
  return match(local.state)
    .with('unknown', () => of<Resolved>({ _tag: 'Resolved', local, fate: Fate.LeftToCheckBack, attempts: 0 }))
    .with('commit', 'rollback', (resolution) => {
      const half = local.half;
      const request = {
        topic: half.message.topic,
        messageId: half.messageId,
        transactionId: half.transactionId,
        resolution,
        source: 'client' as const,
      };
      let attempts = 0;
      return withRetry(
        () => {
          attempts++;
          return from(broker.endTransaction(request));
        },
        config.retry,
        config.scheduler,
      ).pipe(
        map(
          (): Resolved => ({
            _tag: 'Resolved',
            local,
            fate: resolution === 'commit' ? Fate.Committed : Fate.RolledBack,
            attempts,
          }),
        ),
        catchError((error: unknown) =>
          of<Resolved>({
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
        ),
      );
    })
    .exhaustive();
}
