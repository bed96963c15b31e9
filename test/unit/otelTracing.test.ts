/**
 * The OpenTelemetry implementation, end to end on the virtual broker under the TestScheduler:
 * span trees (names, kinds, parents, links, attributes, error.type) and metric points, with every
 * duration in virtual time. Two harnesses stand for two producer processes.
 */
import { SpanKind } from '@opentelemetry/api';
import { map, timer } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { testScheduler } from '../../marbles/support.js';
import {
  answerCheckBacks,
  type CheckBackAnswer,
  checkBacks,
  memoryStateStore,
  noopTelemetry,
  type Rejected,
  type Resolved,
  TransactionState,
  transactional,
  useTelemetry,
} from '../../src/index.js';
import { virtualBroker } from '../../src/testing/index.js';
import { durationMs, histogram, type OtelHarness, otelHarness, parentOf } from '../support/otelHarness.js';

const harnesses: OtelHarness[] = [];
function harness(options: Parameters<typeof otelHarness>[0] = {}): OtelHarness {
  const h = otelHarness(options);
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  useTelemetry(noopTelemetry);
  for (const h of harnesses.splice(0)) await h.shutdown();
});

const order = { topic: 'Orders', body: 'book', tag: 'TagA', keys: ['order-1'] };

describe('transaction spans', () => {
  it('a committed transaction: transaction ⟶ send, local_step, commit, durations from virtual time', async () => {
    const otel = harness();
    const store = memoryStateStore();
    const scheduler = testScheduler();
    const results: (Resolved | Rejected)[] = [];
    scheduler.run(({ cold, flush }) => {
      const broker = virtualBroker({ scheduler, sendLatencyMs: 2, endLatencyMs: 3 });
      cold('(a|)', { a: order })
        .pipe(
          transactional(broker, () => timer(5).pipe(map(() => TransactionState.Commit)), {
            store,
            scheduler,
            telemetry: otel.telemetry,
          }),
        )
        .subscribe((r) => results.push(r));
      flush();
    });
    const resolved = results[0] as Resolved;
    expect(resolved.fate).toBe('committed');
    const tx = otel.span('transaction Orders');
    const send = otel.span('send Orders');
    const local = otel.span('local_step Orders');
    const commit = otel.span('commit Orders');
    expect(otel.spans()).toHaveLength(4);
    expect([tx.kind, send.kind, local.kind, commit.kind]).toEqual([
      SpanKind.INTERNAL,
      SpanKind.PRODUCER,
      SpanKind.INTERNAL,
      SpanKind.CLIENT,
    ]);
    expect(parentOf(tx)).toBeUndefined();
    for (const child of [send, local, commit]) {
      expect(child.spanContext().traceId).toBe(tx.spanContext().traceId);
      expect(parentOf(child)).toBe(tx.spanContext().spanId);
    }
    // The end call links to the creation context: the send span, whose context the half carried.
    expect(commit.links.map((l) => l.context.spanId)).toEqual([send.spanContext().spanId]);
    const traceparent = `00-${tx.spanContext().traceId}-${send.spanContext().spanId}-01`;
    expect(resolved.local.half.message.properties).toEqual({ traceparent });
    expect(store.get(resolved.local.half.messageId)?.traceparent).toBe(traceparent);
    expect([durationMs(send), durationMs(local), durationMs(commit), durationMs(tx)]).toEqual([2, 5, 3, 10]);
    expect(send.attributes).toMatchObject({
      'messaging.system': 'rocketmq',
      'messaging.destination.name': 'Orders',
      'messaging.rocketmq.namespace': '',
      'messaging.operation.name': 'send',
      'messaging.operation.type': 'send',
      'messaging.rocketmq.message.type': 'transaction',
      'messaging.rocketmq.message.tag': 'TagA',
      'messaging.rocketmq.message.keys': ['order-1'],
      'messaging.message.id': resolved.local.half.messageId,
      'rocketmq_rx.transaction.id': resolved.local.half.transactionId,
      'rocketmq_rx.send.attempts': 1,
    });
    expect(local.attributes).toMatchObject({
      'rocketmq_rx.transaction.state': 'commit',
      'rocketmq_rx.record.reason': 'local-step',
    });
    expect(commit.attributes).toMatchObject({
      'messaging.operation.name': 'commit',
      'messaging.message.id': resolved.local.half.messageId,
      'rocketmq_rx.end.source': 'client',
      'rocketmq_rx.end.attempts': 1,
    });
    expect(tx.attributes).toMatchObject({
      'rocketmq_rx.transaction.fate': 'committed',
      'rocketmq_rx.transaction.state': 'commit',
      'rocketmq_rx.end.attempts': 1,
    });
    for (const s of otel.spans()) expect(s.attributes['error.type']).toBeUndefined();

    const ops = await otel.points('messaging.client.operation.duration');
    expect(
      ops.map((p) => [p.attributes['messaging.operation.name'], histogram(p).count, histogram(p).sum]),
    ).toEqual([
      ['send', 1, 0.002],
      ['commit', 1, 0.003],
    ]);
    expect((await otel.points('messaging.client.sent.messages')).map((p) => p.value)).toEqual([1]);
    const ended = await otel.points('rocketmq_rx.client.ended.transactions');
    expect(ended.map((p) => [p.attributes['rocketmq_rx.transaction.fate'], p.value])).toEqual([
      ['committed', 1],
    ]);
    expect((await otel.points('rocketmq_rx.transaction.duration')).map((p) => histogram(p).sum)).toEqual([
      0.01,
    ]);
    expect((await otel.points('rocketmq_rx.local_step.duration')).map((p) => histogram(p).sum)).toEqual([
      0.005,
    ]);
    expect((await otel.points('rocketmq_rx.transaction.pending')).map((p) => p.value)).toEqual([0]);
  });

  it('a failing local step and a failed end: error.type on those spans only; a retry is an event and a count', async () => {
    const otel = harness();
    const scheduler = testScheduler();
    const results: (Resolved | Rejected)[] = [];
    scheduler.run(({ cold, flush }) => {
      const broker = virtualBroker({ scheduler });
      broker.faults.failNextSends(1);
      cold('(ab|)', { a: { topic: 'Orders', body: 'a' }, b: { topic: 'Orders', body: 'b' } })
        .pipe(
          transactional(
            broker,
            (half) => {
              if (new TextDecoder().decode(half.message.body) === 'a') throw new Error('disk full');
              return TransactionState.Commit;
            },
            { scheduler, telemetry: otel.telemetry, concurrency: 1, endRetry: { maxAttempts: 1 } },
          ),
        )
        .subscribe((r) => results.push(r));
      broker.faults.failNextEnds(1);
      flush();
    });
    expect(results.map((r) => (r._tag === 'Resolved' ? r.fate : r._tag))).toEqual([
      'left-to-check-back',
      'left-to-check-back',
    ]);
    const [txA, txB] = otel.spans().filter((s) => s.name === 'transaction Orders');
    const [localA] = otel
      .spans()
      .filter((s) => s.name === 'local_step Orders' && parentOf(s) === txA?.spanContext().spanId);
    expect(localA?.attributes).toMatchObject({
      'error.type': 'LocalStepError',
      'rocketmq_rx.record.reason': 'error',
    });
    const sendA = otel
      .spans()
      .find((s) => s.name === 'send Orders' && parentOf(s) === txA?.spanContext().spanId);
    // The first send failed once and was retried: an event, not an error of the send.
    expect(sendA?.events.map((e) => [e.name, e.attributes?.['error.type']])).toEqual([
      ['retry', 'BrokerUnavailableError'],
    ]);
    expect(sendA?.attributes['error.type']).toBeUndefined();
    expect(sendA?.attributes['rocketmq_rx.send.attempts']).toBe(2);
    const commitB = otel.span('commit Orders');
    expect(parentOf(commitB)).toBe(txB?.spanContext().spanId);
    expect(commitB.attributes['error.type']).toBe('BrokerUnavailableError');
    // Left to the check-back is not a failed transaction.
    expect(txA?.attributes['error.type']).toBeUndefined();
    expect(txB?.attributes['error.type']).toBeUndefined();
    const retries = await otel.points('rocketmq_rx.client.operation.retries');
    expect(
      retries.map((p) => [p.attributes['messaging.operation.name'], p.attributes['error.type'], p.value]),
    ).toEqual([['send', 'BrokerUnavailableError', 1]]);
    const ended = await otel.points('rocketmq_rx.client.ended.transactions');
    expect(
      ended.map((p) => [p.attributes['rocketmq_rx.transaction.state'], p.attributes['error.type'], p.value]),
    ).toEqual([
      ['unknown', undefined, 1],
      ['commit', 'BrokerUnavailableError', 1],
    ]);
  });

  it('a send that fails for good ends the transaction with error.type; a user traceparent is left alone', async () => {
    const otel = harness();
    const scheduler = testScheduler();
    const results: (Resolved | Rejected)[] = [];
    const userTraceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    scheduler.run(({ cold, flush }) => {
      const broker = virtualBroker({ scheduler, topics: ['Orders'] });
      cold('(ab|)', {
        a: { topic: 'Nowhere', body: 'a' },
        b: { topic: 'Orders', body: 'b', properties: { traceparent: userTraceparent } },
      })
        .pipe(transactional(broker, () => TransactionState.Commit, { scheduler, telemetry: otel.telemetry }))
        .subscribe((r) => results.push(r));
      flush();
    });
    expect(results.map((r) => (r._tag === 'Rejected' ? r.error._tag : r.fate))).toEqual([
      'TopicNotFoundError',
      'committed',
    ]);
    const failedTx = otel.span('transaction Nowhere');
    expect(failedTx.attributes['error.type']).toBe('TopicNotFoundError');
    expect(failedTx.status.code).toBe(2);
    expect(otel.span('send Nowhere').attributes['error.type']).toBe('TopicNotFoundError');
    const committed = results[1] as Resolved;
    expect(committed.local.half.message.properties).toEqual({ traceparent: userTraceparent });
    // The end call links to the user's creation context, the one the message carries.
    expect(otel.span('commit Orders').links.map((l) => l.context.spanId)).toEqual(['b7ad6b7169203331']);
    const sent = await otel.points('messaging.client.sent.messages');
    expect(
      sent.map((p) => [p.attributes['messaging.destination.name'], p.attributes['error.type'], p.value]),
    ).toEqual([
      ['Nowhere', 'TopicNotFoundError', 1],
      ['Orders', undefined, 1],
    ]);
  });
});

describe('check-back spans', () => {
  it('a check-back answered by a second producer is a new trace linked to the first one’s transaction', async () => {
    const first = harness();
    const second = harness();
    const store = memoryStateStore(); // shared by both producers
    const scheduler = testScheduler();
    const answers: CheckBackAnswer[] = [];
    scheduler.run(({ cold, flush }) => {
      const broker = virtualBroker({ scheduler, transactionTimeoutMs: 50, checkIntervalMs: 10 });
      // The first producer's commit never reaches the broker; only the second answers check-backs.
      broker.faults.failNextEnds(1, new Error('connection reset'));
      checkBacks(broker)
        .pipe(answerCheckBacks(store, { scheduler, telemetry: second.telemetry }))
        .subscribe((a) => answers.push(a));
      cold('(a|)', { a: order })
        .pipe(
          transactional(broker, () => TransactionState.Commit, {
            store,
            scheduler,
            telemetry: first.telemetry,
          }),
        )
        .subscribe();
      scheduler.schedule(() => broker.close(), 100);
      flush();
      expect(broker.delivered().map((d) => d.via)).toEqual(['check-back']);
    });
    expect(answers.map((a) => (a._tag === 'Answered' ? `${a.state}:${a.source}` : a._tag))).toEqual([
      'commit:store',
    ]);
    const send = first.span('send Orders');
    const check = second.span('check Orders');
    const end = second.span('commit Orders');
    expect(check.kind).toBe(SpanKind.CONSUMER);
    expect(parentOf(check)).toBeUndefined();
    expect(check.spanContext().traceId).not.toBe(send.spanContext().traceId);
    expect(check.links.map((l) => [l.context.traceId, l.context.spanId])).toEqual([
      [send.spanContext().traceId, send.spanContext().spanId],
    ]);
    expect(check.attributes).toMatchObject({
      'messaging.operation.name': 'check',
      'rocketmq_rx.check_back.answer': 'commit',
      'rocketmq_rx.answer.source': 'store',
      'rocketmq_rx.check_back.count': 1,
      'rocketmq_rx.half.age': 0.05,
    });
    expect(parentOf(end)).toBe(check.spanContext().spanId);
    expect(end.kind).toBe(SpanKind.CLIENT);
    expect(end.attributes['rocketmq_rx.end.source']).toBe('check-back');
    expect(end.links.map((l) => l.context.spanId)).toEqual([send.spanContext().spanId]);
    const answered = await second.points('rocketmq_rx.client.answered.check_backs');
    expect(
      answered.map((p) => [
        p.attributes['rocketmq_rx.check_back.answer'],
        p.attributes['rocketmq_rx.answer.source'],
        p.value,
      ]),
    ).toEqual([['commit', 'store', 1]]);
    expect((await second.points('rocketmq_rx.check_back.half_age')).map((p) => histogram(p).sum)).toEqual([
      0.05,
    ]);
    expect((await second.points('rocketmq_rx.check_back.count')).map((p) => histogram(p).sum)).toEqual([1]);
    expect(await second.points('rocketmq_rx.client.presumed_discarded.transactions')).toEqual([]);
  });

  it('links from the store record when the check-back carries no message; unknown at the last check is a presumed discard', async () => {
    const otel = harness({ transactionCheckMax: 3 });
    const scheduler = testScheduler();
    const store = memoryStateStore();
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    store.save({
      messageId: 'm-1',
      transactionId: 't-1',
      topic: 'Orders',
      state: 'unknown',
      reason: 'timeout',
      sentAt: 0,
      updatedAt: 0,
      traceparent,
    });
    const answers: CheckBackAnswer[] = [];
    scheduler.run(({ cold, flush }) => {
      const check = (n: number) => ({
        topic: 'Orders',
        messageId: 'm-1',
        transactionId: 't-1',
        bornAt: 0,
        checkCount: n,
        answer: () => [],
      });
      cold('a 9ms b 9ms c|', { a: check(1), b: check(2), c: check(3) })
        .pipe(answerCheckBacks(store, { scheduler, telemetry: otel.telemetry }))
        .subscribe((a) => answers.push(a));
      flush();
    });
    expect(answers.map((a) => (a._tag === 'Answered' ? a.unknownCount : a._tag))).toEqual([1, 2, 3]);
    const checks = otel.spans().filter((s) => s.name === 'check Orders');
    expect(checks.map((s) => s.links[0]?.context.spanId)).toEqual([
      '00f067aa0ba902b7',
      '00f067aa0ba902b7',
      '00f067aa0ba902b7',
    ]);
    expect(checks.map((s) => s.attributes['rocketmq_rx.check_back.presumed_discard'])).toEqual([
      undefined,
      undefined,
      true,
    ]);
    expect(otel.spans().filter((s) => s.name.startsWith('commit') || s.name.startsWith('rollback'))).toEqual(
      [],
    );
    const discards = await otel.points('rocketmq_rx.client.presumed_discarded.transactions');
    expect(discards.map((p) => p.value)).toEqual([1]);
    const counts = await otel.points('rocketmq_rx.check_back.count');
    expect(counts.map((p) => [histogram(p).count, histogram(p).sum, histogram(p).max])).toEqual([[3, 6, 3]]);
  });
});

describe('installing and costs', () => {
  it('useTelemetry instruments operators and stores that name none; the default adds nothing to the half', async () => {
    const scheduler = testScheduler();
    const plain: Resolved[] = [];
    scheduler.run(({ cold, flush }) => {
      const broker = virtualBroker({ scheduler });
      cold('(a|)', { a: order })
        .pipe(transactional(broker, () => TransactionState.Commit, { scheduler }))
        .subscribe((r) => plain.push(r as Resolved));
      flush();
    });
    expect(plain[0]?.local.half.message.properties).toEqual({});

    const otel = harness();
    useTelemetry(otel.telemetry);
    const store = memoryStateStore({ maxRecords: 2 });
    const traced: Resolved[] = [];
    scheduler.run(({ cold, flush }) => {
      const broker = virtualBroker({ scheduler });
      cold('(abc|)', { a: order, b: order, c: order })
        .pipe(transactional(broker, () => TransactionState.Unknown, { scheduler, store }))
        .subscribe((r) => traced.push(r as Resolved));
      flush();
    });
    expect(traced).toHaveLength(3);
    expect(otel.spans().filter((s) => s.name === 'transaction Orders')).toHaveLength(3);
    // Three unknown records in a store of two: one dropped before its check-back could read it.
    const evicted = await otel.points('rocketmq_rx.store.evicted.records');
    expect(evicted.map((p) => [p.attributes['rocketmq_rx.store.kind'], p.value])).toEqual([['memory', 1]]);
  });

  it('with an always-off sampler nothing is recorded, and the half still carries the (unsampled) context', async () => {
    const otel = harness({ sampled: false });
    const scheduler = testScheduler();
    const results: Resolved[] = [];
    scheduler.run(({ cold, flush }) => {
      const broker = virtualBroker({ scheduler });
      cold('(a|)', { a: order })
        .pipe(transactional(broker, () => TransactionState.Commit, { scheduler, telemetry: otel.telemetry }))
        .subscribe((r) => results.push(r as Resolved));
      flush();
    });
    expect(otel.spans()).toEqual([]);
    expect(results[0]?.local.half.message.properties.traceparent).toMatch(
      /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/,
    );
  });
});
