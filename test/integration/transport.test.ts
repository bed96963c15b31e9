/**
 * The RocketMQ transport's own guarantees on a real broker: typed startup failures within a
 * deadline, validation before the client, no end sent twice, no answer after close, and a process
 * that exits by itself after close — with the broker up and with it killed first.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstValueFrom, from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, inject, it } from 'vitest';
import { launchRocketMQ } from '../../rocketmq/launcher.js';
import {
  BrokerUnavailableError,
  ClosedError,
  type Logger,
  type Rejected,
  rocketmqBroker,
  StartupError,
  TopicNotFoundError,
  TransactionState,
  transactional,
  UndeclaredTopicError,
  ValidationError,
} from '../../src/index.js';
import { startCollector } from '../support/rawClient.js';

const mq = inject('rocketmq');
const here = dirname(fileURLToPath(import.meta.url));

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function startupFailure(options: Parameters<typeof rocketmqBroker>[0]) {
  const started = Date.now();
  const error = await rocketmqBroker(options).then(
    (b) => {
      void b.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  return { error: error as StartupError, ms: Date.now() - started };
}

describe('rocketmqBroker startup', () => {
  it('fails with a StartupError caused by BrokerUnavailableError when nothing listens', async () => {
    const port = await closedPort();
    const { error, ms } = await startupFailure({
      endpoints: `127.0.0.1:${port}`,
      topics: ['Any'],
      startupTimeoutMs: 8_000,
    });
    expect(error).toBeInstanceOf(StartupError);
    expect(error._tag).toBe('StartupError');
    expect(error.cause).toBeInstanceOf(BrokerUnavailableError);
    expect(error.retryable).toBe(true);
    expect(ms).toBeLessThan(10_000);
  });

  it("fails with a StartupError within its deadline when pointed at the name server's port", async () => {
    const { error, ms } = await startupFailure({
      endpoints: mq.namesrv,
      topics: ['Any'],
      startupTimeoutMs: 5_000,
    });
    expect(error).toBeInstanceOf(StartupError);
    expect(error.message).toContain(mq.namesrv);
    expect(ms).toBeLessThan(8_000);
  });

  it('fails with TopicNotFoundError when a declared topic does not exist', async () => {
    const { error } = await startupFailure({
      endpoints: mq.endpoints,
      topics: [mq.topics.transport as string, 'rx_no_such_topic'],
    });
    expect(error).toBeInstanceOf(StartupError);
    expect(error.cause).toBeInstanceOf(TopicNotFoundError);
  });

  it('fails with TopicNotFoundError when a declared topic is not a TRANSACTION topic', async () => {
    const { error } = await startupFailure({ endpoints: mq.endpoints, topics: [mq.topics.normal as string] });
    expect(error).toBeInstanceOf(StartupError);
    expect(error.cause).toBeInstanceOf(TopicNotFoundError);
    expect((error.cause as Error).message).toMatch(/not a TRANSACTION topic/);
  });

  it('rejects invalid options before contacting anything', async () => {
    const error = await rocketmqBroker({ endpoints: 'a:1;b:2', topics: ['ok', 'bad topic'] }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path.join('.'))).toEqual(['endpoints', 'topics.1']);
  });
});

// A topic per path: a half one test leaves unanswered is checked for seconds, and the check
// would reach the other path's producer of the same topic.
const paths = [
  { path: 'hot path', hotPath: true, topicKey: 'transport' },
  { path: 'official path', hotPath: false, topicKey: 'officialTransport' },
] as const;

describe.each(paths)('rocketmqBroker at work, $path', ({ hotPath, topicKey }) => {
  it('rejects a message to an undeclared topic before it reaches the client', async () => {
    const broker = await rocketmqBroker({
      endpoints: mq.endpoints,
      topics: [mq.topics[topicKey] as string],
      hotPath,
    });
    try {
      const [result] = await lastValueFrom(
        from([{ topic: mq.topics.transportOther as string, body: 'x' }]).pipe(
          transactional(broker, () => TransactionState.Commit),
          toArray(),
        ),
      );
      expect(result?._tag).toBe('Rejected');
      expect((result as Rejected).error).toBeInstanceOf(UndeclaredTopicError);
    } finally {
      await broker.close();
    }
  });

  it('sends a repeated end for the same transaction only once, and delivers once', async () => {
    const topic = mq.topics[topicKey] as string;
    const lines: string[] = [];
    const logger: Logger = {
      level: 'debug',
      debug: (m) => lines.push(m),
      info: (m) => lines.push(m),
      warn: (m) => lines.push(m),
      error: (m) => lines.push(m),
    };
    const collector = await startCollector(mq.endpoints, topic, `g_repeat_${topic}`);
    const broker = await rocketmqBroker({ endpoints: mq.endpoints, topics: [topic], logger, hotPath });
    try {
      const receipt = await firstValueFrom(
        from(broker.sendHalf({ topic, body: new TextEncoder().encode('once'), keys: [], properties: {} })),
      );
      const end = { topic, ...receipt, resolution: 'commit' as const, source: 'client' as const };
      await Promise.all([
        lastValueFrom(from(broker.endTransaction(end)), { defaultValue: undefined }),
        lastValueFrom(from(broker.endTransaction(end)), { defaultValue: undefined }),
      ]);
      await lastValueFrom(from(broker.endTransaction(end)), { defaultValue: undefined });
      // The official client logs each end call it makes; the hot path logs each it sends.
      const endCalls = lines.filter(
        (l) =>
          (l.includes('Begin to end transaction') || l.startsWith('EndTransaction sent')) &&
          l.includes(receipt.messageId),
      );
      expect(endCalls).toHaveLength(1);
      expect(await collector.waitFor((r) => r.some((m) => m.messageId === receipt.messageId), 20_000)).toBe(
        true,
      );
      await new Promise((r) => setTimeout(r, 2_000));
      expect(collector.received.filter((m) => m.messageId === receipt.messageId)).toHaveLength(1);
    } finally {
      await broker.close();
      await collector.stop();
    }
  });

  it('closes idempotently, refuses new work with ClosedError, completes checkBacks, and never answers after close', async () => {
    const topic = mq.topics[topicKey] as string;
    const broker = await rocketmqBroker({ endpoints: mq.endpoints, topics: [topic], hotPath });
    const receipt = await firstValueFrom(
      from(
        broker.sendHalf({ topic, body: new TextEncoder().encode('late answer'), keys: [], properties: {} }),
      ),
    );
    // Wait for the broker's check of this half, then close before answering it.
    const check = await firstValueFrom(broker.checkBacks.pipe());
    expect(check.messageId).toBe(receipt.messageId);
    let completed = false;
    broker.checkBacks.subscribe({ complete: () => (completed = true) });
    const first = broker.close();
    expect(broker.close()).toBe(first);
    await first;
    expect(completed).toBe(true);
    await expect(lastValueFrom(from(check.answer(TransactionState.Commit)))).rejects.toBeInstanceOf(
      ClosedError,
    );
    await expect(
      firstValueFrom(from(broker.sendHalf({ topic, body: new Uint8Array(1), keys: [], properties: {} }))),
    ).rejects.toBeInstanceOf(ClosedError);
  });
});

/** Runs the exit probe; resolves with its output and how long it took to exit after "close". */
function runProbe(
  endpoints: string,
  topic: string,
  beforeClose: () => Promise<void>,
  { home, hotPath }: { home?: string; hotPath: boolean },
) {
  return new Promise<{ output: string; exitedAfterMs: number; code: number | null }>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(here, '../support/exitProbe.ts'), endpoints, topic],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, RX_HOT_PATH: hotPath ? '1' : '0', ...(home ? { HOME: home } : {}) },
      },
    );
    let output = '';
    let closeSentAt = 0;
    const hardStop = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the probe process did not exit by itself; output:\n${output}`));
    }, 60_000);
    child.stdout.on('data', async (chunk: Buffer) => {
      output += chunk.toString();
      if (closeSentAt === 0 && output.includes('ready')) {
        closeSentAt = -1;
        await beforeClose();
        closeSentAt = Date.now();
        child.stdin.end('close\n');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(hardStop);
      resolve({ output, exitedAfterMs: Date.now() - closeSentAt, code });
    });
  });
}

describe('leaving nothing running', () => {
  it.each(paths)(
    'lets a process that used the transport ($path) exit by itself after close(), having written nothing under HOME',
    {
      timeout: 90_000,
    },
    async ({ hotPath }) => {
      const home = await mkdtemp(join(tmpdir(), 'rx-home-'));
      try {
        const probe = await runProbe(mq.endpoints, mq.topics.transport as string, async () => {}, {
          home,
          hotPath,
        });
        expect(probe.output).toContain('ready committed');
        expect(probe.output).toMatch(/closed in \d+ ms/);
        expect(probe.code).toBe(0);
        expect(probe.exitedAfterMs).toBeLessThan(15_000);
        // The client's default logger would have created ~/logs/rocketmq; ours writes nothing.
        expect(await readdir(home)).toEqual([]);
      } finally {
        await rm(home, { recursive: true, force: true });
      }
    },
  );

  it('lets it exit by itself after close() when the broker was killed first, on both paths', {
    timeout: 150_000,
  }, async () => {
    const own = await launchRocketMQ();
    try {
      const topics = paths.map((_, i) => `rx_exit_${i}_${Date.now().toString(36)}`);
      await own.createTopics(topics.map((name) => ({ name, type: 'TRANSACTION' as const })));
      // One broker for both probes: it is killed once both have committed.
      let ready = 0;
      let bothReady: () => void = () => {};
      const killed = new Promise<void>((resolve) => {
        bothReady = resolve;
      }).then(() => own.stop());
      const probes = await Promise.all(
        paths.map(({ hotPath }, i) =>
          runProbe(
            own.endpoints,
            topics[i] as string,
            async () => {
              if (++ready === paths.length) bothReady();
              await killed;
            },
            { hotPath },
          ),
        ),
      );
      for (const { output, code, exitedAfterMs } of probes) {
        expect(output).toContain('ready committed');
        expect(output).toMatch(/closed in \d+ ms/);
        expect(code).toBe(0);
        expect(exitedAfterMs).toBeLessThan(30_000);
      }
    } finally {
      await own.stop();
    }
  });
});
