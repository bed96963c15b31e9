/**
 * A telemetry stream that fails is renewed once, not twice. The client renews its stream one
 * second after 'error' and one second after 'end' (gRPC emits both for a failed call), relying on
 * release() removing the other listener. The guard's removeAllListeners() passed its absent
 * argument on as `undefined`, which removes nothing: both renewals ran, the streams doubled every
 * second while the proxy was unreachable (18 000 renewals in a minute against a restarting
 * server), and the producer re-registered with the restarted proxy only after the broker had
 * spent its check-backs on nobody ("channel is null") and discarded a committed half.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Logger } from '../../src/core/Logger.js';
import { guardClient } from '../../src/grpc/rocketmqClient.js';

const require = createRequire(import.meta.url);
const { TelemetrySession } = require('rocketmq-client-nodejs/dist/client/TelemetrySession.js') as {
  TelemetrySession: new (client: unknown, endpoints: unknown, logger: unknown) => unknown;
};

const silent: Logger = { level: 'error', debug() {}, info() {}, warn() {}, error() {} };
const clientLog = { info() {}, warn() {}, error() {}, debug() {} };

/** A client whose every telemetry stream fails as gRPC's do when the proxy is down. */
function unreachableProxy(guarded: boolean) {
  const streams: EventEmitter[] = [];
  const client = {
    clientId: 'c1',
    rpcClientManager: { notifyClientTermination: async () => undefined, close() {} },
    onRecoverOrphanedTransactionCommand() {},
    settingsCommand: () => ({}),
    createTelemetryStream() {
      const stream = Object.assign(new EventEmitter(), { end() {}, write() {} });
      streams.push(stream);
      setTimeout(() => {
        stream.emit('error', new Error('14 UNAVAILABLE: No connection established'));
        stream.emit('end');
      }, 5);
      return stream;
    },
  };
  if (guarded) guardClient(client as never, silent);
  new TelemetrySession(client, { facade: 'proxy:8081' }, clientLog);
  return streams;
}

describe('telemetry stream renewal while the proxy is unreachable', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('renews a failed stream once per failure: about one stream a second, not a doubling', async () => {
    vi.useFakeTimers();
    const streams = unreachableProxy(true);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(streams.length).toBeGreaterThanOrEqual(9);
    expect(streams.length).toBeLessThanOrEqual(11);
    // A failed stream keeps no more than the one listener that swallows a late error.
    expect(Math.max(...streams.map((s) => s.listenerCount('error')))).toBeLessThanOrEqual(1);
    vi.clearAllTimers();
  });

  it('a released stream keeps only the listener that swallows a late error, and that one once', async () => {
    vi.useFakeTimers();
    const streams = unreachableProxy(true);
    await vi.advanceTimersByTimeAsync(3_500);
    const released = streams.slice(0, -1);
    expect(released.length).toBeGreaterThanOrEqual(2);
    for (const s of released) {
      expect([s.listenerCount('data'), s.listenerCount('end'), s.listenerCount('error')]).toEqual([0, 0, 1]);
      expect(() => s.emit('error', new Error('1 CANCELLED'))).not.toThrow();
    }
    vi.clearAllTimers();
  });
});
