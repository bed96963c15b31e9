/**
 * What telemetry costs on the virtual broker (built library, async scheduler, memory store):
 * `transactional` with no telemetry (the default, a disabled hook), with a hook that is enabled
 * but does nothing (every call made: the hook's own cost), and with the OpenTelemetry
 * implementation under an always-off sampler (spans made but not recorded, metrics to a reader
 * nobody collects). Rounds interleave; prints JSON.
 * Usage: node bench/telemetryThroughput.mjs <n> <concurrency> <rounds>
 */

import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { AlwaysOffSampler, BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { otelTelemetry } from 'rocketmq-rx/otel';
import { viaTransactional } from './variants.mjs';

const [n = 100_000, concurrency = 64, rounds = 7] = process.argv.slice(2).map(Number);

const nothing = () => {};
const trace = {
  halfProperties: (p) => p,
  retried: nothing,
  sent: nothing,
  sendFailed: nothing,
  runStep: (step) => step(),
  localEnded: nothing,
  endStarted: nothing,
  ended: nothing,
};
const emptyHook = {
  enabled: true,
  transaction: () => trace,
  checkBack: () => ({ decided: nothing, endStarted: nothing, answered: nothing }),
  received: nothing,
  process: () => ({ run: (h) => h(), processed: nothing, ackStarted: nothing, ackEnded: nothing }),
  storeOperation: nothing,
  storeEvicted: nothing,
  checkBackDropped: nothing,
};
const otel = otelTelemetry({
  tracerProvider: new BasicTracerProvider({ sampler: new AlwaysOffSampler() }),
  meterProvider: new MeterProvider(),
});

const variants = { none: undefined, noop: emptyHook, otelOff: otel };
for (const t of Object.values(variants)) await viaTransactional(n / 4, concurrency, false, t);
const ms = { none: [], noop: [], otelOff: [] };
for (let i = 0; i < rounds; i++) {
  for (const [name, t] of Object.entries(variants)) {
    const r = await viaTransactional(n, concurrency, false, t);
    if (r.committed !== n) throw new Error(`${name}: not every message was committed`);
    ms[name].push(r.ms);
  }
}
console.log(JSON.stringify({ n, concurrency, rounds, ...ms }));
