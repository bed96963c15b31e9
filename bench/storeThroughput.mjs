/**
 * State-store benchmark: records written per second (256 saves outstanding, group commit) and
 * check-back answer latency (one check at a time through answerCheckBacks), for the memory,
 * PGlite and PostgreSQL stores. Runs the built library in plain Node; prints JSON.
 * Usage: node bench/storeThroughput.mjs <records> <checks> <pgUrl>
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answerCheckBacks, memoryStateStore, pgliteStateStore, postgresStateStore } from 'rocketmq-rx';
import { firstValueFrom, from, lastValueFrom, of, Subject } from 'rxjs';

const [recordsArg = '20000', checksArg = '2000', pgUrl = 'postgresql://postgres@127.0.0.1:5432/test'] =
  process.argv.slice(2);
const records = Number(recordsArg);
const checks = Number(checksArg);

const record = (i) => ({
  messageId: `bench-${i}`,
  transactionId: `tx-${i}`,
  topic: 'Bench',
  state: i % 3 === 0 ? 'rollback' : 'commit',
  reason: 'local-step',
  sentAt: Date.now(),
  updatedAt: Date.now(),
});

async function writes(store) {
  const start = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < records) {
      const i = next++;
      await lastValueFrom(from(store.save(record(i))), { defaultValue: undefined });
    }
  };
  await Promise.all(Array.from({ length: 256 }, worker));
  return (records / (performance.now() - start)) * 1000;
}

async function answerLatencies(store) {
  const requests = new Subject();
  const latencies = [];
  let resolveAnswered;
  const sub = requests.pipe(answerCheckBacks(store, { concurrency: 1 })).subscribe(() => resolveAnswered());
  for (let i = 0; i < checks; i++) {
    const answered = new Promise((r) => {
      resolveAnswered = r;
    });
    const start = performance.now();
    requests.next({
      topic: 'Bench',
      messageId: `bench-${i % records}`,
      transactionId: `tx-${i}`,
      answer: () => of(undefined),
    });
    await answered;
    latencies.push(performance.now() - start);
  }
  sub.unsubscribe();
  latencies.sort((a, b) => a - b);
  return {
    median: latencies[Math.floor(latencies.length / 2)],
    p99: latencies[Math.floor(latencies.length * 0.99)],
  };
}

const results = {};
const dir = await mkdtemp(join(tmpdir(), 'rx-bench-pglite-'));
const table = `rx_bench_${Date.now().toString(36)}`;
const stores = {
  memory: async () => memoryStateStore(),
  pglite: async () => pgliteStateStore({ dataDir: dir }),
  postgres: async () => postgresStateStore({ connectionString: pgUrl, table }),
};
for (const [name, open] of Object.entries(stores)) {
  const store = await open();
  const perSecond = await writes(store);
  await firstValueFrom(from(store.load('bench-1')));
  const latency = await answerLatencies(store);
  results[name] = { perSecond, ...latency };
  await store.close?.();
}
await rm(dir, { recursive: true, force: true });
const { default: pg } = await import('pg');
const client = new pg.Client({ connectionString: pgUrl });
await client.connect();
await client.query(`drop table if exists ${table}`);
await client.query(`drop table if exists ${table}_schema`);
await client.end();
console.log(JSON.stringify({ records, checks, results }));
