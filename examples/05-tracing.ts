/**
 * Example 5 — tracing a transaction across a check-back answered by another producer.
 *
 * Producer 1 sends an order: half, local step (commit, recorded in the shared store), then its
 * commit call fails and the transaction is left to the check-back. The broker later asks
 * producer 2 — another process in real life, with its own tracer — which answers `commit` from
 * the store. Producer 2's `check` span starts a new trace, linked to producer 1's send span: the
 * creation context travelled in the half message's `traceparent` property.
 *
 * Run it: `npx tsx examples/05-tracing.ts` (the virtual broker: no RocketMQ needed). With a real
 * broker nothing changes but the broker port; see test/integration/tracingAcrossProducers.test.ts.
 */
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { answerCheckBacks, checkBacks, memoryStateStore, TransactionState, transactional } from 'rocketmq-rx';
import { otelTelemetry } from 'rocketmq-rx/otel';
import { virtualBroker } from 'rocketmq-rx/testing';
import { filter, firstValueFrom, lastValueFrom, of } from 'rxjs';

/** One process's tracing: its own provider, spans kept in memory to be printed. */
function processTracing() {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  return { exporter, tracerProvider, telemetry: otelTelemetry({ tracerProvider }) };
}

export async function tracingExample(): Promise<string[]> {
  const producer1 = processTracing();
  const producer2 = processTracing();
  const store = memoryStateStore(); // in production: PostgreSQL, shared by both producers
  const broker = virtualBroker({ transactionTimeoutMs: 50, checkIntervalMs: 50 });
  broker.faults.failNextEnds(1); // producer 1's commit call is lost

  // Producer 2 answers check-backs (producer 1 never subscribes to them).
  const answered = firstValueFrom(
    checkBacks(broker).pipe(
      answerCheckBacks(store, { telemetry: producer2.telemetry }),
      filter((a) => a._tag === 'Answered'),
    ),
  );
  await lastValueFrom(
    of({ topic: 'Orders', body: 'order #1', keys: ['order-1'] }).pipe(
      transactional(broker, () => TransactionState.Commit, {
        store,
        endRetry: { maxAttempts: 1 },
        telemetry: producer1.telemetry,
      }),
    ),
  );
  await answered;
  broker.close();

  const lines = [
    ...tree('producer 1', producer1.exporter.getFinishedSpans(), []),
    ...tree('producer 2', producer2.exporter.getFinishedSpans(), producer1.exporter.getFinishedSpans()),
  ];
  await producer1.tracerProvider.shutdown();
  await producer2.tracerProvider.shutdown();
  return lines;
}

const KINDS = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];
const SHOWN = [
  'rocketmq_rx.transaction.fate',
  'rocketmq_rx.transaction.state',
  'rocketmq_rx.check_back.answer',
  'rocketmq_rx.answer.source',
  'rocketmq_rx.end.source',
  'error.type',
];

/** The spans of one process as an indented tree; links are shown with the span they point at. */
function tree(title: string, spans: readonly ReadableSpan[], elsewhere: readonly ReadableSpan[]): string[] {
  const byId = new Map([...spans, ...elsewhere].map((s) => [s.spanContext().spanId, s]));
  const describe = (s: ReadableSpan) => {
    const attrs = SHOWN.filter((k) => s.attributes[k] !== undefined).map(
      (k) => `${k.replace('rocketmq_rx.', '')}=${String(s.attributes[k])}`,
    );
    const links = s.links.map((l) => {
      const target = byId.get(l.context.spanId);
      const where = target && elsewhere.includes(target) ? 'in another process' : 'here';
      return `⇢ ${target ? target.name : l.context.spanId} (${where})`;
    });
    return [`${s.name} [${KINDS[s.kind]}]`, ...attrs, ...links].join(' ');
  };
  const lines = [`${title}:`];
  const walk = (parent: string | undefined, indent: string) => {
    const children = spans
      .filter((s) => s.parentSpanContext?.spanId === parent)
      .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
    children.forEach((s, i) => {
      const last = i === children.length - 1;
      lines.push(`${indent}${parent === undefined ? '' : last ? '└─ ' : '├─ '}${describe(s)}`);
      walk(s.spanContext().spanId, parent === undefined ? '  ' : `${indent}${last ? '   ' : '│  '}`);
    });
  };
  walk(undefined, '  ');
  return lines;
}

// Run directly: print the two trees.
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const line of await tracingExample()) console.log(line);
}
