import { defaultIfEmpty, defer, from, map, mergeMap, of, type SchedulerLike, take } from 'rxjs';
import { match, P } from 'ts-pattern';
import type { CheckBack } from '../../core/BrokerPort.js';
import { StoreError } from '../../core/errors.js';
import { isAbsentMarker } from '../../core/internal/recordRules.js';
import {
  type AbsentCheck,
  RecordReason,
  type StateStore,
  type TransactionRecord,
} from '../../core/StateStore.js';
import { TransactionState } from '../../core/TransactionState.js';
import { AnswerSource } from '../AnswerSource.js';
import type { CheckBackLookup, Decision } from './checkBackLookup.js';

/** Check-backs answered from a store's record, by message id. */
export function storeLookup(
  store: StateStore,
  rollbackAbsentAfterMs: number | undefined,
  scheduler: SchedulerLike,
): CheckBackLookup {
  const grace = rollbackAbsentAfterMs;
  return {
    decide: (check) =>
      defer(() => from(store.load(check.messageId))).pipe(
        take(1),
        defaultIfEmpty(undefined),
        mergeMap((record) =>
          grace !== undefined && store.fenceAbsent && (!record || isAbsentMarker(record))
            ? from(store.fenceAbsent(absentOf(check), grace, scheduler.now())).pipe(
                take(1),
                map((fenced) => decide(check, fenced, undefined, scheduler)),
              )
            : of(decide(check, record, grace, scheduler)),
        ),
      ),
    failed: (error, context) => ({
      state: TransactionState.Unknown,
      source: AnswerSource.StoreError,
      cause: new StoreError(`Looking up the check-back failed: ${String(error)}`, { cause: error, context }),
    }),
  };
}

function absentOf(check: CheckBack): AbsentCheck {
  return {
    messageId: check.messageId,
    transactionId: check.transactionId,
    topic: check.topic,
    ...(check.bornAt === undefined ? {} : { bornAt: check.bornAt }),
  };
}

/** The answer for what the store holds (a record, a check-back's marker or fence, or nothing). */
function decide(
  check: CheckBack,
  record: TransactionRecord | undefined,
  rollbackAbsentAfterMs: number | undefined,
  scheduler: SchedulerLike,
): Decision {
  return (
    match({ record, bornAt: check.bornAt })
      .with({ record: { reason: RecordReason.Absent, state: TransactionState.Unknown } }, ({ record }) => ({
        state: TransactionState.Unknown,
        source: AnswerSource.Absent,
        record,
      }))
      .with({ record: { reason: RecordReason.Absent, state: TransactionState.Rollback } }, ({ record }) => ({
        state: TransactionState.Rollback,
        source: AnswerSource.AbsentExpired,
        record,
      }))
      .with({ record: P.nonNullable }, ({ record }) => ({
        state: record.state,
        source: AnswerSource.Store,
        record,
      }))
      // A store without `fenceAbsent`: the age is the broker's send time against this clock.
      .with({ bornAt: P.number }, ({ bornAt }) =>
        rollbackAbsentAfterMs !== undefined && scheduler.now() - bornAt > rollbackAbsentAfterMs
          ? { state: TransactionState.Rollback, source: AnswerSource.AbsentExpired }
          : { state: TransactionState.Unknown, source: AnswerSource.Absent },
      )
      .otherwise(() => ({ state: TransactionState.Unknown, source: AnswerSource.Absent }))
  );
}
