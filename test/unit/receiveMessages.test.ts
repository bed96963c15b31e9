/**
 * receiveMessages against a scripted stand-in for the client's SimpleConsumer, in fake time:
 * bad invisible durations fail when the operator is built, receive errors are retried or end the
 * stream by their type, and an ack waits for an extension in flight (which replaces the handle).
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';

const fake = vi.hoisted(() => {
  type View = {
    messageId: string;
    topic: string;
    body: Buffer;
    keys: string[];
    properties: Map<string, string>;
    receiptHandle: string;
    deliveryAttempt: number;
  };
  const state = {
    receive: [] as Array<() => Promise<View[]>>,
    receiveCalls: 0,
    acks: [] as string[],
    extensions: [] as Array<{ handle: string; ms: number; settle: (newHandle: string) => void }>,
    shutdowns: 0,
  };
  class SimpleConsumer {
    rpcClientManager = { notifyClientTermination: async () => undefined, close() {} };
    createTelemetryStream() {
      return { on() {}, once() {}, removeAllListeners() {}, end() {}, write() {} };
    }
    onRecoverOrphanedTransactionCommand() {}
    async startup() {}
    async shutdown() {
      state.shutdowns++;
    }
    receive(): Promise<View[]> {
      state.receiveCalls++;
      const next = state.receive.shift();
      return next ? next() : new Promise(() => {}); // a long poll that never answers
    }
    async ack(view: View) {
      state.acks.push(view.receiptHandle);
    }
    changeInvisibleDuration(view: View, ms: number) {
      return new Promise<void>((resolve) => {
        state.extensions.push({
          handle: view.receiptHandle,
          ms,
          settle: (newHandle) => {
            view.receiptHandle = newHandle;
            resolve();
          },
        });
      });
    }
  }
  const view = (id: string): View => ({
    messageId: id,
    topic: 'Orders',
    body: Buffer.from('x'),
    keys: [],
    properties: new Map(),
    receiptHandle: `${id}-h1`,
    deliveryAttempt: 1,
  });
  const clientError = (code: number, message: string) => Object.assign(new Error(message), { code });
  return { state, SimpleConsumer, view, clientError };
});

vi.mock('rocketmq-client-nodejs', () => ({
  SimpleConsumer: fake.SimpleConsumer,
  Producer: class {},
  MessageView: class {},
  UserAgent: class {},
}));

import { loadClient } from '../../src/grpc/rocketmqClient.js';
import { type HandledMessage, receiveMessages, ValidationError } from '../../src/index.js';

const base = { endpoints: '127.0.0.1:1', topic: 'Orders', consumerGroup: 'g1' };

beforeAll(async () => {
  await loadClient(); // real module loading, before time is faked
});
beforeEach(() => {
  vi.useFakeTimers();
  fake.state.receive = [];
  fake.state.receiveCalls = 0;
  fake.state.acks = [];
  fake.state.extensions = [];
});
afterEach(() => {
  vi.useRealTimers();
});

describe('receiveMessages', () => {
  it('refuses an invisible duration outside the proxy bounds when it is built', () => {
    for (const invisibleDurationMs of [9_999, 0, 43_200_001, Number.NaN]) {
      expect(() => receiveMessages({ ...base, invisibleDurationMs, handle: () => [1] })).toThrow(
        ValidationError,
      );
    }
    expect(() => receiveMessages({ ...base, invisibleDurationMs: 10_000, handle: () => [1] })).not.toThrow();
    expect(() => receiveMessages({ ...base, handlerTimeoutMs: -1, handle: () => [1] })).toThrow(
      ValidationError,
    );
  });

  it('errors the stream with the typed error of a non-retryable receive failure, and releases the client', async () => {
    fake.state.receive.push(() => Promise.reject(fake.clientError(40010, 'illegal filter expression')));
    let failure: unknown;
    receiveMessages({ ...base, handle: () => [1] }).subscribe({ error: (e) => (failure = e) });
    await vi.advanceTimersByTimeAsync(10);
    expect(failure).toMatchObject({ _tag: 'BadRequestError', retryable: false });
    expect(fake.state.receiveCalls).toBe(1);
  });

  it('backs off and retries a retryable receive failure, then consumes', async () => {
    fake.state.receive.push(
      () => Promise.reject(fake.clientError(14, 'unavailable')),
      () => Promise.reject(fake.clientError(42900, 'too many requests')),
      () => Promise.resolve([fake.view('m1')]),
    );
    const seen: HandledMessage<number>[] = [];
    const sub = receiveMessages({
      ...base,
      receiveRetry: { initialDelayMs: 100 },
      handle: () => [1],
    }).subscribe((h) => seen.push(h));
    await vi.advanceTimersByTimeAsync(50);
    expect(fake.state.receiveCalls).toBe(1); // waiting out the first backoff (100 ms)
    await vi.advanceTimersByTimeAsync(400);
    expect(fake.state.receiveCalls).toBeGreaterThanOrEqual(3);
    expect(seen.map((h) => h._tag)).toEqual(['Acked']);
    sub.unsubscribe();
  });

  it('acknowledges with the handle an extension in flight is replacing, only once it landed', async () => {
    fake.state.receive.push(() => Promise.resolve([fake.view('m1')]));
    let finishHandler: (v: number) => void = () => {};
    const seen: HandledMessage<number>[] = [];
    const sub = receiveMessages({
      ...base,
      invisibleDurationMs: 30_000,
      handle: () => new Promise<number>((r) => (finishHandler = r)),
    }).subscribe((h) => seen.push(h));
    await vi.advanceTimersByTimeAsync(20_001); // the first extension starts at 20 s
    expect(fake.state.extensions.map((e) => [e.handle, e.ms])).toEqual([['m1-h1', 30_000]]);
    finishHandler(7); // handled while the extension is on the wire
    await vi.advanceTimersByTimeAsync(10);
    expect(fake.state.acks).toEqual([]); // not with m1-h1, which is about to be replaced
    fake.state.extensions[0]?.settle('m1-h2');
    await vi.advanceTimersByTimeAsync(10);
    expect(fake.state.acks).toEqual(['m1-h2']);
    expect(seen.map((h) => h._tag)).toEqual(['Acked']);
    sub.unsubscribe();
  });

  it('gives a hung handler up at handlerTimeoutMs: released (not acked), slot freed, TimedOut emitted', async () => {
    fake.state.receive.push(
      () => Promise.resolve([fake.view('m1')]),
      () => Promise.resolve([fake.view('m2')]),
    );
    const seen: HandledMessage<number>[] = [];
    const sub = receiveMessages({
      ...base,
      maxUnacked: 1,
      handlerTimeoutMs: 5_000,
      handle: (m) => (m.messageId === 'm1' ? new Promise<number>(() => {}) : [2]),
    }).subscribe((h) => seen.push(h));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(fake.state.receiveCalls).toBe(1); // the one slot is held
    await vi.advanceTimersByTimeAsync(2);
    expect(fake.state.extensions.map((e) => [e.handle, e.ms])).toEqual([['m1-h1', 1_000]]);
    fake.state.extensions[0]?.settle('m1-h2');
    await vi.advanceTimersByTimeAsync(10);
    expect(seen.map((h) => [h._tag, h.message.messageId])).toEqual([
      ['TimedOut', 'm1'],
      ['Acked', 'm2'],
    ]);
    expect(fake.state.acks).toEqual(['m2-h1']);
    sub.unsubscribe();
  });
});
