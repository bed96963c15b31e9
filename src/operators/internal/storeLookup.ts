import { defaultIfEmpty, defer, from, map, type SchedulerLike, take } from 'rxjs';
import { match, P } from 'ts-pattern';
import type { CheckBack } from '../../core/BrokerPort.js';
import { StoreError } from '../../core/errors.js';
import type { StateStore, TransactionRecord } from '../../core/StateStore.js';
import { TransactionState } from '../../core/TransactionState.js';
import { AnswerSource } from '../AnswerSource.js';
import type { CheckBackLookup, Decision } from './checkBackLookup.js';

/** Check-backs answered from a store's record, by message id. */
export function storeLookup(
  store: StateStore,
  rollbackAbsentAfterMs: number | undefined,
  scheduler: SchedulerLike,
): CheckBackLookup {
  return {
    decide: (check) =>
      defer(() => from(store.load(check.messageId))).pipe(
        take(1),
        defaultIfEmpty(undefined),
        map((record) => decide(check, record, rollbackAbsentAfterMs, scheduler)),
      ),
    failed: (error, context) => ({
      state: TransactionState.Unknown,
      source: AnswerSource.StoreError,
      cause: new StoreError(`Looking up the check-back failed: ${String(error)}`, { cause: error, context }),
    }),
  };
}

function decide(
  check: CheckBack,
  record: TransactionRecord | undefined,
  rollbackAbsentAfterMs: number | undefined,
  scheduler: SchedulerLike,
): Decision {
  return match({ record, bornAt: check.bornAt })
    .with({ record: P.nonNullable }, ({ record }) => ({
      state: record.state,
      source: AnswerSource.Store,
      record,
    }))
    .with({ bornAt: P.number }, ({ bornAt }) =>
      rollbackAbsentAfterMs !== undefined && scheduler.now() - bornAt > rollbackAbsentAfterMs
        ? { state: TransactionState.Rollback, source: AnswerSource.AbsentExpired }
        : { state: TransactionState.Unknown, source: AnswerSource.Absent },
    )
    .otherwise(() => ({ state: TransactionState.Unknown, source: AnswerSource.Absent }));
}
