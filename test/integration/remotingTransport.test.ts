/**
 * The remoting transport's own guarantees on a real broker: typed startup failures within a
 * deadline, the undeclared-topic guard, two-way end outcomes, a process left with no handle
 * after close, and messages crossing protocols (sent over remoting, consumed over gRPC, and the
 * reverse).
 */
import { createServer } from 'node:net';
import { firstValueFrom, from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, inject, it } from 'vitest';
import {
  BrokerUnavailableError,
  type PulledMessage,
  pullMessages,
  type Rejected,
  type Resolved,
  remotingBroker,
  rocketmqBroker,
  StartupError,
  TopicNotFoundError,
  TransactionNotFoundError,
  TransactionState,
  transactional,
  UndeclaredTopicError,
  ValidationError,
} from '../../src/index.js';
import { waitUntil } from '../scenarios/harness.js';
import { startCollector } from '../support/rawClient.js';

const mq = inject('rocketmq');
const topic = mq.topics.remotingTransport as string;

async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function startupFailure(options: Parameters<typeof remotingBroker>[0]) {
  const started = Date.now();
  const error = await remotingBroker(options).then(
    (b) => {
      void b.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  return { error: error as StartupError, ms: Date.now() - started };
}

const handles = () =>
  process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap' || r === 'Timeout').length;

describe('remotingBroker startup', () => {
  it('fails with a StartupError caused by BrokerUnavailableError when no name server listens', async () => {
    const port = await closedPort();
    const { error, ms } = await startupFailure({
      nameServer: `127.0.0.1:${port}`,
      producerGroup: 'pg_nothing',
      topics: ['Any'],
      startupTimeoutMs: 5_000,
    });
    expect(error).toBeInstanceOf(StartupError);
    expect(error.cause).toBeInstanceOf(BrokerUnavailableError);
    expect(error.retryable).toBe(true);
    expect(ms).toBeLessThan(5_000);
  });

  it('fails with a StartupError within its deadline when the name server never answers', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as { port: number };
    try {
      const { error, ms } = await startupFailure({
        nameServer: `127.0.0.1:${port}`,
        producerGroup: 'pg_silent',
        topics: ['Any'],
        startupTimeoutMs: 1_500,
        requestTimeoutMs: 10_000,
      });
      expect(error).toBeInstanceOf(StartupError);
      expect(error.message).toMatch(/within 1500 ms/);
      expect(ms).toBeLessThan(3_000);
    } finally {
      silent.close();
    }
  });

  it('fails with TopicNotFoundError when a declared topic does not exist', async () => {
    const { error } = await startupFailure({
      nameServer: mq.namesrv,
      producerGroup: 'pg_missing',
      topics: [topic, 'rx_no_such_topic'],
    });
    expect(error).toBeInstanceOf(StartupError);
    expect(error.cause).toBeInstanceOf(TopicNotFoundError);
    expect(error.message).toContain('rx_no_such_topic');
  });

  it('rejects invalid options before contacting anything', async () => {
    const error = await remotingBroker({
      nameServer: 'nowhere',
      producerGroup: 'bad group',
      topics: ['ok', 'bad topic'],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path.join('.'))).toEqual([
      'nameServer',
      'producerGroup',
      'topics.1',
    ]);
  });
});

describe('remotingBroker at work', () => {
  it('rejects a message to an undeclared topic, and an end for a half it never sent', async () => {
    const before = handles();
    const broker = await remotingBroker({
      nameServer: mq.namesrv,
      producerGroup: 'pg_guard',
      topics: [topic],
    });
    try {
      const [result] = await lastValueFrom(
        from([{ topic: mq.topics.remotingOther as string, body: 'x' }]).pipe(
          transactional(broker, () => TransactionState.Commit),
          toArray(),
        ),
      );
      expect((result as Rejected).error).toBeInstanceOf(UndeclaredTopicError);
      const error = await firstValueFrom(
        from(
          broker.endTransaction({
            topic,
            messageId: 'NOPE',
            transactionId: 'NOPE',
            resolution: 'commit',
            source: 'client',
          }),
        ),
      ).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransactionNotFoundError);
    } finally {
      await broker.close();
    }
    // Every socket and timer of the transport is gone once close() resolves.
    await new Promise((r) => setTimeout(r, 50));
    expect(handles()).toBeLessThanOrEqual(before);
  });

  it('commits two-way (delivered once, a repeated end shared) and rolls back (never delivered)', async () => {
    const received: PulledMessage[] = [];
    const consumer = pullMessages({ nameServer: mq.namesrv, topic }).subscribe((m) => received.push(m));
    const broker = await remotingBroker({
      nameServer: mq.namesrv,
      producerGroup: 'pg_two_way',
      topics: [topic],
    });
    try {
      const bytes = (s: string) => new TextEncoder().encode(s);
      const kept = await firstValueFrom(
        from(
          broker.sendHalf({ topic, body: bytes('kept'), tag: 'A', keys: ['k-1'], properties: { n: '1' } }),
        ),
      );
      const dropped = await firstValueFrom(
        from(broker.sendHalf({ topic, body: bytes('dropped'), keys: [], properties: {} })),
      );
      const end = (r: typeof kept, resolution: 'commit' | 'rollback') =>
        firstValueFrom(from(broker.endTransaction({ topic, ...r, resolution, source: 'client' })), {
          defaultValue: undefined,
        });
      await Promise.all([end(kept, 'commit'), end(kept, 'commit'), end(dropped, 'rollback')]);
      const marker = await lastValueFrom(
        from([{ topic, body: 'marker' }]).pipe(
          transactional(broker, () => TransactionState.Commit),
          toArray(),
        ),
      );
      const markerId = (marker[0] as Resolved).local.half.messageId;
      await waitUntil(() => received.some((m) => m.messageId === markerId), 20_000, 'the marker arrives');
      const ids = received.map((m) => m.messageId);
      expect(ids.filter((id) => id === kept.messageId)).toHaveLength(1);
      expect(ids).not.toContain(dropped.messageId);
      const got = received.find((m) => m.messageId === kept.messageId);
      expect(got).toMatchObject({ tag: 'A', keys: ['k-1'], properties: { n: '1' } });
      expect(got?.body.toString()).toBe('kept');
    } finally {
      await broker.close();
      consumer.unsubscribe();
    }
  });
});

describe('across protocols', () => {
  it('a message committed over remoting is consumed over gRPC', async () => {
    const t = mq.topics.crossToGrpc as string;
    const collector = await startCollector(mq.endpoints, t, `g_${t}`);
    const broker = await remotingBroker({ nameServer: mq.namesrv, producerGroup: `pg_${t}`, topics: [t] });
    try {
      const [r] = await lastValueFrom(
        from([{ topic: t, body: 'remoting to grpc', properties: { via: 'remoting' } }]).pipe(
          transactional(broker, () => TransactionState.Commit),
          toArray(),
        ),
      );
      const id = (r as Resolved).local.half.messageId;
      expect(await collector.waitFor((rs) => rs.some((m) => m.messageId === id), 30_000)).toBe(true);
      const got = collector.received.find((m) => m.messageId === id);
      expect(got?.body).toBe('remoting to grpc');
      expect(got?.properties.get('via')).toBe('remoting');
    } finally {
      await broker.close();
      await collector.stop();
    }
  });

  it('a message committed over gRPC is consumed over remoting', async () => {
    const t = mq.topics.crossToRemoting as string;
    const received: PulledMessage[] = [];
    const consumer = pullMessages({ nameServer: mq.namesrv, topic: t }).subscribe((m) => received.push(m));
    const broker = await rocketmqBroker({ endpoints: mq.endpoints, topics: [t] });
    try {
      const [r] = await lastValueFrom(
        from([{ topic: t, body: 'grpc to remoting', tag: 'G' }]).pipe(
          transactional(broker, () => TransactionState.Commit),
          toArray(),
        ),
      );
      const id = (r as Resolved).local.half.messageId;
      await waitUntil(
        () => received.some((m) => m.messageId === id),
        30_000,
        'the remoting consumer receives it',
      );
      expect(received.find((m) => m.messageId === id)).toMatchObject({ tag: 'G' });
      expect(received.find((m) => m.messageId === id)?.body.toString()).toBe('grpc to remoting');
    } finally {
      await broker.close();
      consumer.unsubscribe();
    }
  });
});
