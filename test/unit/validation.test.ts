/**
 * Invalid input gets one typed error listing every issue with its path, raised before anything
 * reaches the broker port; the stream goes on (or errors, when asked to).
 */
import { EMPTY, from, lastValueFrom, NEVER, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  answerCheckBacks,
  type BrokerPort,
  executeLocal,
  MAX_BODY_BYTES,
  memoryStateStore,
  type Rejected,
  receiveMessages,
  resolve,
  rocketmqBroker,
  type SqlDatabase,
  sendHalf,
  sqlStateStore,
  TransactionState,
  transactional,
  ValidationError,
  validateMessage,
} from '../../src/index.js';
import { checkRemotingOptions } from '../../src/remoting/RemotingBrokerOptions.js';

/** A broker that records every call; validation failures must leave it untouched. */
function spyBroker() {
  const calls: string[] = [];
  const broker: BrokerPort = {
    sendHalf: (m) => {
      calls.push(`send:${m.topic}`);
      return from([{ messageId: `id-${calls.length}`, transactionId: `tx-${calls.length}` }]);
    },
    endTransaction: (r) => {
      calls.push(`end:${r.resolution}`);
      return EMPTY;
    },
    checkBacks: NEVER,
  };
  return { broker, calls };
}

const cases: ReadonlyArray<[string, unknown, ReadonlyArray<[string, RegExp]>]> = [
  ['an empty topic', { topic: '', body: 'x' }, [['topic', /must not be empty/]]],
  ['a topic with forbidden characters', { topic: 'orders.eu', body: 'x' }, [['topic', /letters, digits/]]],
  ['a topic over 127 characters', { topic: 'T'.repeat(128), body: 'x' }, [['topic', /at most 127/]]],
  ['a blank tag', { topic: 'T', body: 'x', tag: '  ' }, [['tag', /blank/]]],
  ['a tag with |', { topic: 'T', body: 'x', tag: 'a||b' }, [['tag', /"\|"/]]],
  ['a blank key', { topic: 'T', body: 'x', keys: [''] }, [['keys.0', /blank/]]],
  ['a key with whitespace', { topic: 'T', body: 'x', keys: ['ok', 'order 1'] }, [['keys.1', /whitespace/]]],
  [
    'a reserved property',
    { topic: 'T', body: 'x', properties: { UNIQ_KEY: 'x' } },
    [['properties.UNIQ_KEY', /reserved/]],
  ],
  ['a body of the wrong type', { topic: 'T', body: 42 }, [['body', /Uint8Array or a string/]]],
  ['a body over the limit', { topic: 'T', body: new Uint8Array(MAX_BODY_BYTES + 1) }, [['body', /at most/]]],
  [
    'a delivery delay',
    { topic: 'T', body: 'x', deliveryDelayMs: 1000 },
    [['deliveryDelayMs', /not allowed/]],
  ],
  [
    'a delivery timestamp',
    { topic: 'T', body: 'x', deliveryTimestamp: new Date() },
    [['deliveryTimestamp', /not allowed/]],
  ],
  ['a message group', { topic: 'T', body: 'x', messageGroup: 'g' }, [['messageGroup', /not allowed/]]],
  ['a priority', { topic: 'T', body: 'x', priority: 1 }, [['priority', /not allowed/]]],
];

describe('message validation', () => {
  for (const [what, input, expected] of cases) {
    it(`rejects ${what} with a ValidationError naming the path, and sends nothing`, async () => {
      const { broker, calls } = spyBroker();
      const [out] = await lastValueFrom(from([input as never]).pipe(sendHalf(broker), toArray()));
      expect(out?._tag).toBe('Rejected');
      const error = (out as Rejected).error;
      expect(error).toBeInstanceOf(ValidationError);
      expect(error._tag).toBe('ValidationError');
      expect(error.retryable).toBe(false);
      const issues = (error as ValidationError).issues.map((i) => [i.path.join('.'), i.message] as const);
      for (const [path, message] of expected) {
        expect(issues.some(([p, m]) => p === path && message.test(m))).toBe(true);
      }
      expect(calls).toEqual([]);
    });
  }

  it('lists every issue of a message at once', () => {
    const error = validateMessage({
      topic: 'bad topic',
      body: 7,
      tag: 'a|b',
      keys: [' '],
      properties: { TAGS: 'x', ok: 'fine' },
      deliveryDelayMs: 5,
      messageGroup: 'g',
      priority: 3,
    });
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path.join('.'))).toEqual([
      'topic',
      'body',
      'tag',
      'keys.0',
      'properties.TAGS',
      'deliveryDelayMs',
      'messageGroup',
      'priority',
    ]);
  });

  it('accepts a valid message and encodes a string body as UTF-8', () => {
    const ok = validateMessage({
      topic: 'Orders_%EU|1',
      body: 'héllo',
      tag: 'TagA',
      keys: ['k1'],
      properties: { order: '1' },
    });
    expect(ok).not.toBeInstanceOf(ValidationError);
    expect(Array.from((ok as { body: Uint8Array }).body)).toEqual(
      Array.from(new TextEncoder().encode('héllo')),
    );
  });

  it('reads a field set to undefined as absent, on the quick path and in the schema alike', () => {
    const plain = validateMessage({
      topic: 'T',
      body: 'x',
      tag: undefined,
      keys: undefined,
      deliveryDelayMs: undefined,
    });
    expect(plain).not.toBeInstanceOf(ValidationError);
    expect(plain).toEqual({ topic: 'T', body: new TextEncoder().encode('x'), keys: [], properties: {} });
    // An invalid field sends the message to the schema, which must not count the undefined ones.
    const error = validateMessage({ topic: 'bad topic', body: 'x', tag: undefined, priority: undefined });
    expect((error as ValidationError).issues.map((i) => i.path.join('.'))).toEqual(['topic']);
  });

  it('keeps the stream going: the valid messages around an invalid one are sent', async () => {
    const { broker, calls } = spyBroker();
    const out = await lastValueFrom(
      from([
        { topic: 'A', body: '1' },
        { topic: 'bad topic', body: '2' },
        { topic: 'C', body: '3' },
      ]).pipe(
        transactional(broker, () => TransactionState.Commit, { concurrency: 1 }),
        toArray(),
      ),
    );
    expect(out.map((o) => (o._tag === 'Resolved' ? o.fate : o.error._tag))).toEqual([
      'committed',
      'ValidationError',
      'committed',
    ]);
    expect(calls).toEqual(['send:A', 'end:commit', 'send:C', 'end:commit']);
  });

  it("errors the stream with the ValidationError when onRejected is 'error', before any send", async () => {
    const { broker, calls } = spyBroker();
    await expect(
      lastValueFrom(
        from([{ topic: 'bad topic', body: 'x' }]).pipe(sendHalf(broker, { onRejected: 'error' })),
      ),
    ).rejects.toBeInstanceOf(ValidationError);
    expect(calls).toEqual([]);
  });
});

describe('operator configuration', () => {
  it('rejects invalid options when the operator is built, listing each', () => {
    const { broker } = spyBroker();
    let caught: unknown;
    try {
      transactional(broker, () => TransactionState.Commit, {
        concurrency: 0,
        localTimeoutMs: -1,
        endRetry: { jitter: 2 },
      });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).issues.map((i) => i.path.join('.'))).toEqual([
      'concurrency',
      'localTimeoutMs',
      'endRetry.jitter',
    ]);
  });
});

describe('timer options beyond what a timer can hold', () => {
  // Node fires a timer of more than 2^31 − 1 ms after 1 ms: such a timeout would end every
  // local step at once, so it must be refused where the operator is built.
  const huge = [2_147_483_648, 9e85, Number.POSITIVE_INFINITY];
  const issuesOf = (build: () => unknown): string[] => {
    try {
      build();
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      return (e as ValidationError).issues.map((i) => i.path.join('.'));
    }
    return [];
  };

  it.each(huge)('refuses %d ms for every timeout and delay of the operators', (ms) => {
    const { broker } = spyBroker();
    const store = memoryStateStore();
    expect(
      issuesOf(() =>
        transactional(broker, () => TransactionState.Commit, {
          localTimeoutMs: ms,
          sendRetry: { initialDelayMs: ms, maxDelayMs: ms },
          endRetry: { initialDelayMs: ms },
        }),
      ),
    ).toEqual([
      'localTimeoutMs',
      'sendRetry.initialDelayMs',
      'sendRetry.maxDelayMs',
      'endRetry.initialDelayMs',
    ]);
    expect(issuesOf(() => executeLocal(() => TransactionState.Commit, { store, timeoutMs: ms }))).toEqual([
      'timeoutMs',
    ]);
    expect(issuesOf(() => answerCheckBacks(store, { timeoutMs: ms }))).toEqual(['timeoutMs']);
    expect(issuesOf(() => resolve(broker, { retry: { maxDelayMs: ms } }))).toEqual(['retry.maxDelayMs']);
    expect(issuesOf(() => sendHalf(broker, { retry: { initialDelayMs: ms } }))).toEqual([
      'retry.initialDelayMs',
    ]);
  });

  it('accepts the largest delay a timer holds', () => {
    const { broker } = spyBroker();
    expect(
      issuesOf(() =>
        transactional(broker, () => TransactionState.Commit, {
          localTimeoutMs: 2_147_483_647,
          sendRetry: { maxDelayMs: 2_147_483_647 },
        }),
      ),
    ).toEqual([]);
  });

  it('refuses them in the client and consumer options too', async () => {
    const ms = 9e85;
    const refused = await rocketmqBroker({
      endpoints: '127.0.0.1:1',
      topics: ['t'],
      requestTimeoutMs: ms,
      startupTimeoutMs: ms,
      checkAnswerTimeoutMs: ms,
      drainTimeoutMs: ms,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).issues.map((i) => i.path.join('.'))).toEqual([
      'requestTimeoutMs',
      'startupTimeoutMs',
      'checkAnswerTimeoutMs',
      'drainTimeoutMs',
    ]);
    expect(
      issuesOf(() =>
        receiveMessages({
          endpoints: '127.0.0.1:1',
          topic: 'Orders',
          consumerGroup: 'g1',
          longPollMs: ms,
          startupTimeoutMs: ms,
          handlerTimeoutMs: ms,
          receiveRetry: { maxDelayMs: ms },
          handle: () => [1],
        }),
      ),
    ).toEqual(['longPollMs', 'startupTimeoutMs', 'handlerTimeoutMs', 'receiveRetry.maxDelayMs']);
    expect(issuesOf(() => memoryStateStore({ retainMs: Number.POSITIVE_INFINITY }))).toEqual([]);
  });
});

describe('SQL store timer options', () => {
  it('refuses a drain or statement timeout beyond a timer before touching the database', async () => {
    const untouched = new Proxy({} as SqlDatabase, {
      get: () => {
        throw new Error('the database was used');
      },
    });
    const refused = await sqlStateStore(untouched, {
      drainTimeoutMs: 9e85,
      statementTimeoutMs: Infinity,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).issues.map((i) => i.path.join('.'))).toEqual([
      'drainTimeoutMs',
      'statementTimeoutMs',
    ]);
  });
});

describe('remoting transport timer options', () => {
  it('refuses timeouts and intervals beyond a timer', () => {
    let caught: unknown;
    try {
      checkRemotingOptions({
        nameServer: '127.0.0.1:1',
        producerGroup: 'g',
        topics: ['t'],
        requestTimeoutMs: 9e85,
        heartbeatIntervalMs: Number.POSITIVE_INFINITY,
        routeRefreshMs: 2_147_483_648,
      } as unknown as Parameters<typeof checkRemotingOptions>[0]);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ValidationError);
    expect((caught as ValidationError).issues.map((i) => i.path.join('.'))).toEqual(
      expect.arrayContaining(['requestTimeoutMs', 'heartbeatIntervalMs', 'routeRefreshMs']),
    );
  });
});
