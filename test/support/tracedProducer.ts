/**
 * A producer process for the cross-process tracing test: sends one half traced by its own
 * OpenTelemetry provider, records `commit` in the shared PostgreSQL store, and exits without
 * ending it — the check-back goes to another producer. Prints one JSON line with the ids of its
 * transaction and send spans. Usage: tsx tracedProducer.ts <endpoints> <topic> <pgUrl> <table>
 */
import { lastValueFrom, of, toArray } from 'rxjs';
import {
  executeLocal,
  postgresStateStore,
  rocketmqBroker,
  sendHalf,
  TransactionState,
} from '../../src/index.js';
import { otelHarness } from './otelHarness.js';

const [endpoints, topic, connectionString, table] = process.argv.slice(2) as [string, string, string, string];
const otel = otelHarness();
const broker = await rocketmqBroker({ endpoints, topics: [topic], requestTimeoutMs: 10_000 });
const store = await postgresStateStore({ connectionString, table });
const out = await lastValueFrom(
  of({ topic, body: 'traced order', keys: ['traced-1'] }).pipe(
    sendHalf(broker, { telemetry: otel.telemetry }),
    executeLocal(() => TransactionState.Commit, { store }),
    toArray(),
  ),
);
await store.close();
await broker.close();
const local = out[0];
if (local?._tag !== 'Local') throw new Error(`no local outcome: ${JSON.stringify(out)}`);
// The transaction span stays open (no resolve in this process): the send span is what travels.
const send = otel.span(`send ${topic}`);
console.log(
  JSON.stringify({
    messageId: local.half.messageId,
    traceId: send.spanContext().traceId,
    sendSpanId: send.spanContext().spanId,
    traceparent: local.half.message.properties.traceparent,
  }),
);
await otel.shutdown();
