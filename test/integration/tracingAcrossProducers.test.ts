/**
 * The trace carried across processes on a real broker: a half sent by one producer process, whose
 * check-back is answered by another, gives a `check` span in the second process linked to the
 * first process's send span; a consumer's `process` span links to it too.
 */
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { filter, firstValueFrom, of, timeout } from 'rxjs';
import { describe, expect, inject, it } from 'vitest';
import {
  answerCheckBacks,
  checkBacks,
  postgresStateStore,
  receiveMessages,
  rocketmqBroker,
} from '../../src/index.js';
import { otelHarness } from '../support/otelHarness.js';

const here = dirname(fileURLToPath(import.meta.url));
const mq = inject('rocketmq');
const PG_URL = process.env.PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

describe('tracing across producers (real broker)', () => {
  it('links the second producer’s check span, and the consumer’s process span, to the first producer’s send span', {
    timeout: 120_000,
  }, async () => {
    const topic = mq.topics.tracing as string;
    const table = `rx_trace_${Date.now().toString(36)}`;
    const otel = otelHarness();
    const store = await postgresStateStore({ connectionString: PG_URL, table });
    const broker = await rocketmqBroker({
      endpoints: mq.endpoints,
      topics: [topic],
      requestTimeoutMs: 10_000,
    });
    const processed = firstValueFrom(
      receiveMessages({
        endpoints: mq.endpoints,
        topic,
        consumerGroup: `g_${table}`,
        handle: () => of(true),
        telemetry: otel.telemetry,
      }).pipe(filter((h) => h._tag === 'Acked')),
    );
    try {
      const answered = firstValueFrom(
        checkBacks(broker).pipe(
          answerCheckBacks(store, { telemetry: otel.telemetry }),
          filter((a) => a._tag === 'Answered' && a.state === 'commit'),
          timeout(mq.transaction.timeoutMs + 3 * mq.transaction.checkIntervalMs + 30_000),
        ),
      );
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--import', 'tsx', join(here, '../support/tracedProducer.ts'), mq.endpoints, topic, PG_URL, table],
        { timeout: 60_000 },
      );
      const first = JSON.parse(stdout.trim().split('\n').at(-1) as string);
      expect(first.traceparent).toBe(`00-${first.traceId}-${first.sendSpanId}-01`);

      const answer = await answered;
      expect(answer._tag === 'Answered' && answer.check.messageId).toBe(first.messageId);
      expect(answer._tag === 'Answered' && answer.record?.traceparent).toBe(first.traceparent);
      const check = otel.span(`check ${topic}`);
      expect(check.spanContext().traceId).not.toBe(first.traceId);
      expect(check.links.map((l) => [l.context.traceId, l.context.spanId])).toEqual([
        [first.traceId, first.sendSpanId],
      ]);
      expect(check.attributes).toMatchObject({
        'messaging.message.id': first.messageId,
        'rocketmq_rx.check_back.answer': 'commit',
        'rocketmq_rx.answer.source': 'store',
      });
      const end = otel.span(`commit ${topic}`);
      expect(end.parentSpanContext?.spanId).toBe(check.spanContext().spanId);
      expect(end.attributes['error.type']).toBeUndefined();

      const handled = await processed;
      expect(handled.message.messageId).toBe(first.messageId);
      const proc = otel.span(`process ${topic}`);
      expect(proc.links.map((l) => l.context.spanId)).toEqual([first.sendSpanId]);
      expect(otel.span(`ack ${topic}`).parentSpanContext?.spanId).toBe(proc.spanContext().spanId);
    } finally {
      await broker.close();
      await store.close();
      await otel.shutdown();
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`drop table if exists ${table}; drop table if exists ${table}_schema`);
      await client.end();
    }
  });
});
