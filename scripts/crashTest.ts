/**
 * `npm run crash-test`: the crash harness at scale. For each seed, a producer process sends N
 * transactions (local step: a business row in PostgreSQL; commit, rollback or failure at random),
 * is SIGKILLed at a random moment and restarted; after the checks settle, the consumer must have
 * received exactly the committed business rows. Prints the counts per seed; exits 1 on a mismatch.
 *
 *   npm run crash-test -- [--count 1000] [--seeds 1,2,…,10] [--transport grpc|remoting]
 *   PG_URL (default postgresql://postgres@127.0.0.1:5432/test); ROCKETMQ_ENDPOINTS/NAMESRV to reuse a broker.
 */
import { launchRocketMQ } from '../rocketmq/launcher.js';
import { runCrashSeed } from '../test/crash/harness.js';
import { exitOnUsageError, intList, parseCommandLine, positiveInt, UsageError } from './parseCommandLine.js';

let count: number;
let seeds: number[];
let transport: 'grpc' | 'remoting';
try {
  const values = parseCommandLine(
    'npm run crash-test -- [--count 1000] [--seeds 1,2,…,10] [--transport grpc|remoting]',
    {
      count: { type: 'string' },
      seeds: { type: 'string' },
      transport: { type: 'string' },
    },
  );
  count = positiveInt('count', values.count as string | undefined, 1000);
  seeds = intList('seeds', values.seeds as string | undefined, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  const chosen = (values.transport as string | undefined) ?? 'grpc';
  if (chosen !== 'grpc' && chosen !== 'remoting') {
    throw new UsageError(`--transport must be grpc or remoting, not ${chosen}`);
  }
  transport = chosen;
} catch (error) {
  exitOnUsageError(error);
}
const pgUrl = process.env.PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

// The check window (≈32 s after a send) must outlast a producer restart; see crashRecovery.test.ts.
const server = await launchRocketMQ({ log: (l) => console.log(l), transactionCheckMax: 30 });
let failed = false;
try {
  const topics = seeds.map((seed) => `rx_crashtest_${seed}_${Date.now().toString(36)}`);
  await server.createTopics(topics.map((name) => ({ name, type: 'TRANSACTION' as const })));
  const timing = {
    transactionTimeoutMs: server.transaction.timeoutMs,
    checkIntervalMs: server.transaction.checkIntervalMs,
    checkMax: server.transaction.checkMax,
  };
  console.log(`\n${count} transactions per seed (plus ${Math.ceil(count / 4)} after the restart)\n`);
  console.log('seed  killed after  committed  received  via check-back  duplicates  missing  extra  verdict');
  for (const [i, seed] of seeds.entries()) {
    const r = await runCrashSeed({
      endpoints: server.endpoints,
      transport,
      namesrv: server.namesrv,
      topic: topics[i] as string,
      pgUrl,
      seed,
      count,
      timing,
    });
    const ok = r.missing.length === 0 && r.extra.length === 0;
    failed ||= !ok;
    for (const line of r.diagnosis) console.log(`      ${line}`);
    console.log(
      `${String(seed).padStart(4)}  ${String(r.killedAfter).padStart(12)}  ${String(r.committedRows.length).padStart(9)}  ${String(r.received.length).padStart(8)}  ${String(r.recoveredByCheckBack).padStart(14)}  ${String(r.duplicates).padStart(10)}  ${String(r.missing.length).padStart(7)}  ${String(r.extra.length).padStart(5)}  ${ok ? 'committed = received' : 'MISMATCH'}`,
    );
  }
} finally {
  await server.stop();
}
process.exitCode = failed ? 1 : 0;
