/**
 * Crash recovery on a real broker with PostgreSQL: every locally committed transaction is
 * delivered, and nothing else, even when producers are SIGKILLed mid-flight.
 */
import { describe, expect, inject, it } from 'vitest';
import { startCollector } from '../../examples/support/collect.js';
import {
  committedRows,
  dropTables,
  prepareTables,
  runCrashSeed,
  settleMs,
  startProducer,
} from '../crash/harness.js';
import { useRocketMQ } from '../support/onDemandBroker.js';

const mq = inject('rocketmq');
const PG_URL = process.env.PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const timing = {
  transactionTimeoutMs: mq.transaction.timeoutMs,
  checkIntervalMs: mq.transaction.checkIntervalMs,
  checkMax: mq.transaction.checkMax,
};

const paths = [
  { path: 'hot path', hotPath: true, pair: 'crashPair' },
  { path: 'official path', hotPath: false, pair: 'officialCrashPair' },
] as const;

// A restarted producer can answer only the checks that come after it registered: the broker's
// window for a half is its timeout plus checkMax × interval after the send. Restarting a Node
// process took up to 12 s on a loaded two-core machine, longer than the suite broker's 7 s
// window, so the crash seeds run on one broker of this file whose window (≈32 s) is what they
// prove: a restart within half a minute loses nothing. Each path and transport has topics of its own.
const crashBroker = useRocketMQ({
  transactionCheckMax: 30,
  topics: Object.fromEntries(
    [...['hot', 'official'].flatMap((p) => [1, 2, 3, 4, 5].map((seed) => `${p}${seed}`)), 'remoting6'].map(
      (k) => [k, 'TRANSACTION' as const],
    ),
  ),
});

describe.each(paths)('crash recovery on the $path', ({ hotPath, pair }) => {
  it('delivers exactly once a transaction whose producer died after its local commit, via the other producer', {
    timeout: 120_000,
  }, async () => {
    const topic = mq.topics[pair] as string;
    const table = `rx_pair_${Date.now().toString(36)}`;
    await prepareTables(PG_URL, table);
    const consumer = await startCollector(mq.endpoints, topic, `g_${table}`);
    // The survivor declares the topic and answers check-backs from the shared store.
    const survivor = startProducer(['run', mq.endpoints, topic, PG_URL, table, '1', '0', 'survivor'], {
      hotPath,
    });
    try {
      await survivor.waitFor((l) => l.includes('done'), 30_000);
      const doomed = startProducer(['die-after-local', mq.endpoints, topic, PG_URL, table], { hotPath });
      await doomed.waitFor((l) => l.some((x) => x.startsWith('committed ')), 30_000);
      await new Promise<void>((resolve) => {
        if (doomed.child.exitCode !== null || doomed.child.signalCode !== null) resolve();
        else doomed.child.once('exit', () => resolve());
      });
      expect(doomed.child.signalCode).toBe('SIGKILL');
      const messageId = (doomed.lines.find((x) => x.startsWith('committed ')) as string).split(
        ' ',
      )[1] as string;

      expect(await consumer.waitFor((r) => r.some((m) => m.messageId === messageId), settleMs(timing))).toBe(
        true,
      );
      await new Promise((r) => setTimeout(r, 3_000));
      expect(consumer.received.filter((m) => m.messageId === messageId)).toHaveLength(1);
      expect(consumer.received.map((m) => m.body)).toEqual(['committed, then crashed']);
      expect(await committedRows(PG_URL, table)).toEqual([messageId]);
    } finally {
      await survivor.close();
      await consumer.stop();
      await dropTables(PG_URL, table);
    }
  });

  // On the file's crash broker (above), one seed at a time.
  describe('crash harness: killed at a random moment and restarted', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      it(`seed ${seed}: the consumer receives exactly the committed business rows`, {
        timeout: 180_000,
      }, async () => {
        const { mq: own, topics } = crashBroker();
        const report = await runCrashSeed({
          endpoints: own.endpoints,
          topic: topics[`${hotPath ? 'hot' : 'official'}${seed}`] as string,
          hotPath,
          pgUrl: PG_URL,
          seed,
          count: 20,
          timing: {
            transactionTimeoutMs: own.transaction.timeoutMs,
            checkIntervalMs: own.transaction.checkIntervalMs,
            checkMax: own.transaction.checkMax,
          },
        });
        expect(report.committedRows.length).toBeGreaterThan(0);
        // On failure this says, per missing message, whether the restart came after the broker's
        // last check of it, or the checks went elsewhere, or it was asked and answered.
        expect(report.diagnosis).toEqual([]);
        expect(report.missing).toEqual([]);
        expect(report.extra).toEqual([]);
      });
    }
  });
});

describe('crash recovery over remoting', () => {
  it('seed 6: the consumer receives exactly the committed business rows', { timeout: 180_000 }, async () => {
    const { mq: own, topics } = crashBroker();
    const report = await runCrashSeed({
      endpoints: own.endpoints,
      transport: 'remoting',
      namesrv: own.namesrv,
      topic: topics.remoting6 as string,
      pgUrl: PG_URL,
      seed: 6,
      count: 20,
      timing: {
        transactionTimeoutMs: own.transaction.timeoutMs,
        checkIntervalMs: own.transaction.checkIntervalMs,
        checkMax: own.transaction.checkMax,
      },
    });
    expect(report.committedRows.length).toBeGreaterThan(0);
    expect(report.diagnosis).toEqual([]);
    expect(report.missing).toEqual([]);
    expect(report.extra).toEqual([]);
  });
});
