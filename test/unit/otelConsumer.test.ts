/**
 * The consumer side of the OpenTelemetry implementation (receive, process, ack), driven through
 * the hook as `receiveMessages` drives it, and instruments made lazily against a global meter
 * provider registered late. The real-broker run is test/integration/tracingAcrossProducers.test.ts.
 */
import { metrics, SpanKind } from '@opentelemetry/api';
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConsumedMessage } from '../../src/index.js';
import { otelTelemetry } from '../../src/otel/index.js';
import { durationMs, histogram, type OtelHarness, otelHarness, parentOf } from '../support/otelHarness.js';

const harnesses: OtelHarness[] = [];
function harness(options: Parameters<typeof otelHarness>[0] = {}): OtelHarness {
  const h = otelHarness(options);
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  metrics.disable();
  for (const h of harnesses.splice(0)) await h.shutdown();
});

const creation = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
const message = (id: string, traceparent = true): ConsumedMessage => ({
  messageId: id,
  topic: 'Orders',
  tag: 'TagA',
  keys: ['k1'],
  properties: traceparent ? { traceparent: `00-${creation.traceId}-${creation.spanId}-01` } : {},
  deliveryAttempt: 2,
  bornAt: 1_000,
});

describe('consumer spans', () => {
  it('process links to the creation context, ack is its child; durations and ages are recorded', async () => {
    const otel = harness();
    const trace = otel.telemetry.process(message('m-1'), 'billing', 3_000);
    expect(trace.run(() => 'handled')).toBe('handled');
    trace.processed(undefined, 3_040);
    trace.ackStarted(3_040);
    trace.ackEnded(undefined, 3_045);
    const proc = otel.span('process Orders');
    const ack = otel.span('ack Orders');
    expect(proc.kind).toBe(SpanKind.CONSUMER);
    expect(parentOf(proc)).toBeUndefined();
    expect(proc.links.map((l) => [l.context.traceId, l.context.spanId])).toEqual([
      [creation.traceId, creation.spanId],
    ]);
    expect(proc.attributes).toMatchObject({
      'messaging.operation.name': 'process',
      'messaging.operation.type': 'process',
      'messaging.consumer.group.name': 'billing',
      'messaging.message.id': 'm-1',
      'rocketmq_rx.message.delivery_attempt': 2,
    });
    expect([durationMs(proc), durationMs(ack)]).toEqual([40, 5]);
    expect(ack.kind).toBe(SpanKind.CLIENT);
    expect(parentOf(ack)).toBe(proc.spanContext().spanId);
    expect(ack.attributes['messaging.operation.type']).toBe('settle');
    expect((await otel.points('messaging.process.duration')).map((p) => histogram(p).sum)).toEqual([0.04]);
    expect((await otel.points('rocketmq_rx.message.age')).map((p) => histogram(p).sum)).toEqual([2]);
    const ops = await otel.points('messaging.client.operation.duration');
    expect(ops.map((p) => [p.attributes['messaging.operation.name'], histogram(p).sum])).toEqual([
      ['ack', 0.005],
    ]);
  });

  it("processParent 'message' parents the process span on the creation context; a failed handler has error.type", async () => {
    const otel = harness({ processParent: 'message' });
    const trace = otel.telemetry.process(message('m-2'), 'billing', 0);
    trace.processed(new TypeError('bad order'), 7);
    const proc = otel.span('process Orders');
    expect(proc.spanContext().traceId).toBe(creation.traceId);
    expect(parentOf(proc)).toBe(creation.spanId);
    expect(proc.links).toEqual([]);
    expect(proc.attributes['error.type']).toBe('TypeError');
    const points = await otel.points('messaging.process.duration');
    expect(points.map((p) => p.attributes['error.type'])).toEqual(['TypeError']);
  });

  it('a receive with messages is a span linked to each; every delivery is counted; an empty receive makes no span', async () => {
    const otel = harness();
    const info = { topic: 'Orders', consumerGroup: 'billing' };
    otel.telemetry.received(info, [], 0, 10_000);
    otel.telemetry.received(info, [message('a'), message('b', false)], 10_000, 10_020);
    const receive = otel.span('receive Orders');
    expect(receive.kind).toBe(SpanKind.CLIENT);
    expect(receive.links.map((l) => l.context.spanId)).toEqual([creation.spanId]);
    expect(receive.attributes['messaging.batch.message_count']).toBe(2);
    expect(otel.spans()).toHaveLength(1);
    const consumed = await otel.points('messaging.client.consumed.messages');
    expect(consumed.map((p) => [p.attributes['messaging.consumer.group.name'], p.value])).toEqual([
      ['billing', 2],
    ]);
  });
});

describe('instruments made at first use', () => {
  it('uses a global meter provider registered after the telemetry was created, and after a first use', async () => {
    const telemetry = otelTelemetry();
    telemetry.storeEvicted('memory', 'unknown'); // before any SDK: goes nowhere
    const otel = harness();
    metrics.setGlobalMeterProvider(otel.meterProvider as MeterProvider);
    telemetry.storeEvicted('memory', 'unknown');
    telemetry.storeEvicted('memory', 'unknown');
    const evicted = await otel.points('rocketmq_rx.store.evicted.records');
    expect(evicted.map((p) => p.value)).toEqual([2]);
  });
});
