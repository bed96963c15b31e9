import type { Schedule } from './Schedule.js';

/** A schedule as a reader wants it: settings first, then the transactions and faults in time order. */
export function formatSchedule(s: Schedule): string {
  const b = s.broker;
  const a = s.answer;
  const lines = [
    `class ${s.faultClass}: ${s.store} store, ${s.step} step, ${s.producers} producer(s)${s.twoAnswerers ? ', two topics with a store and an answerer each' : ''}`,
    `  broker: transaction timeout ${b.transactionTimeoutMs} ms, check every ${b.checkIntervalMs} ms ×${b.checkMax}, proxy keeps transactions ${b.transactionDataLifetimeMs} ms, answers accepted for ${b.checkAnswerTimeoutMs} ms, end latency ${b.endLatencyMs} ms`,
    `  local timeout ${s.localTimeoutMs} ms; answerers: concurrency ${a.concurrency}, lookup timeout ${a.timeoutMs} ms, rollbackAbsentAfterMs ${a.rollbackAbsentAfterMs ?? 'unset'}`,
    `  store latency ${s.storeLatencyMs} ms${s.outages.map((o) => `; ${o.mode}${o.mode === 'slow' ? ` +${o.ms} ms` : ''} from ${o.from} to ${o.until} ms`).join('')}`,
  ];
  const events = [
    ...s.txs.map((t, i) => ({
      at: t.at,
      text: `tx${i} on P${t.producer % s.producers}${s.twoAnswerers ? ` topic ${t.topic}` : ''}: step takes ${t.latencyMs} ms, ${t.answer}${t.commitFails ? `, its commit fails ${t.commitFails} taking effect` : ''}`,
    })),
    ...s.faults.map((f) => ({
      at: f.at,
      text: (() => {
        switch (f.kind) {
          case 'fail-ends':
            return `the next ${f.count} end calls fail`;
          case 'lose-end-replies':
            return `the next ${f.count} end calls lose their reply`;
          case 'delay-ends':
            return `the next ${f.count} end calls take ${f.ms} ms more`;
          case 'duplicate-checks':
            return `the next ${f.count} check-backs come twice`;
          case 'late-checks':
            return `check-backs arrive ${f.ms} ms late until ${f.until} ms`;
          case 'crash':
            return `producer ${s.producers > 1 ? 1 + (f.producer % (s.producers - 1)) : '(none: one producer)'} crashes, restarts ${f.restartAfterMs} ms later`;
          case 'shutdown':
            return `producer ${s.producers > 1 ? 1 + (f.producer % (s.producers - 1)) : '(none: one producer)'} shuts down gracefully, exits ${f.lingerMs} ms after its closes`;
        }
      })(),
    })),
  ].sort((x, y) => x.at - y.at);
  for (const e of events) lines.push(`  at ${String(e.at).padStart(5)} ms  ${e.text}`);
  return lines.join('\n');
}
