import { type Observable, of } from 'rxjs';
import { describe, expectTypeOf, it } from 'vitest';
import {
  answerCheckBacks,
  type BrokerPort,
  type CheckBack,
  type CheckBackAnswer,
  checkBacks,
  executeLocal,
  type Half,
  type Local,
  memoryStateStore,
  type Rejected,
  type Resolved,
  resolve,
  sendHalf,
  TransactionState,
  transactional,
} from '../../src/index.js';
import { type VirtualBroker, virtualBroker } from '../../src/testing/index.js';

declare const broker: BrokerPort;
declare const messages: Observable<{ topic: string; body: string }>;

describe('operator signatures', () => {
  it('threads each stage value through the pipeline, Rejected included', () => {
    const halves = messages.pipe(sendHalf(broker));
    expectTypeOf(halves).toEqualTypeOf<Observable<Half | Rejected>>();
    const locals = halves.pipe(executeLocal(() => TransactionState.Commit));
    expectTypeOf(locals).toEqualTypeOf<Observable<Local | Rejected>>();
    const results = locals.pipe(resolve(broker));
    expectTypeOf(results).toEqualTypeOf<Observable<Resolved | Rejected>>();
  });

  it('accepts a local step answering now, as a Promise or as an Observable', () => {
    messages.pipe(transactional(broker, () => TransactionState.Rollback));
    messages.pipe(transactional(broker, async () => TransactionState.Commit));
    messages.pipe(transactional(broker, () => of(TransactionState.Unknown)));
    // @ts-expect-error a local step must answer a TransactionState
    messages.pipe(transactional(broker, () => 42));
    expectTypeOf(messages.pipe(transactional(broker, () => 'commit' as const))).toEqualTypeOf<
      Observable<Resolved | Rejected>
    >();
  });

  it('types check-back answering', () => {
    const store = memoryStateStore();
    expectTypeOf(checkBacks(broker)).toEqualTypeOf<Observable<CheckBack>>();
    expectTypeOf(checkBacks(broker).pipe(answerCheckBacks(store))).toEqualTypeOf<
      Observable<CheckBackAnswer>
    >();
    const states = new Map<string, TransactionState>();
    expectTypeOf(
      checkBacks(broker).pipe(answerCheckBacks((c) => states.get(c.transactionId) ?? 'unknown')),
    ).toEqualTypeOf<Observable<CheckBackAnswer>>();
    checkBacks(broker).pipe(answerCheckBacks(async () => 'commit' as const, { timeoutMs: 1_000 }));
    // @ts-expect-error the absent-record grace applies to a store only
    answerCheckBacks(() => 'unknown' as const, { rollbackAbsentAfterMs: 1_000 });
    // @ts-expect-error a checker answers a TransactionState
    answerCheckBacks(() => 'maybe');
  });

  it('rejects messages missing a topic or body, and unknown states', () => {
    // @ts-expect-error a message needs a body
    of({ topic: 'T' }).pipe(sendHalf(broker));
    // @ts-expect-error 'maybe' is not a TransactionState
    const s: TransactionState = 'maybe';
    void s;
  });

  it('makes the virtual broker a BrokerPort', () => {
    expectTypeOf(virtualBroker()).toEqualTypeOf<VirtualBroker>();
    expectTypeOf<VirtualBroker>().toMatchTypeOf<BrokerPort>();
  });
});
