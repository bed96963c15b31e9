/**
 * The client's gRPC channels reconnect to a proxy that came back within a bounded wait: gRPC's
 * default backoff (up to 120 s) left a restarted proxy without our producer's registration for
 * longer than the broker's check window, and a committed half was discarded unanswered.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { loadClient, RECONNECT_BACKOFF_MAX_MS } from '../../src/grpc/rocketmqClient.js';

const require = createRequire(import.meta.url);

interface Stub {
  getChannel(): { internalChannel: { options: Record<string, unknown> } };
  close(): void;
}
type StubClass = new (address: string, credentials: unknown, options?: Record<string, unknown>) => Stub;

function channelOptions(options?: Record<string, unknown>) {
  // The very module object the client's RpcClient reads its stub class from at each connection.
  const service = require('rocketmq-client-nodejs/proto/apache/rocketmq/v2/service_grpc_pb.js') as {
    MessagingServiceClient: StubClass;
  };
  const grpc = require('@grpc/grpc-js') as { ChannelCredentials: { createInsecure(): unknown } };
  const stub = new service.MessagingServiceClient(
    '127.0.0.1:9',
    grpc.ChannelCredentials.createInsecure(),
    options,
  );
  try {
    return stub.getChannel().internalChannel.options;
  } finally {
    stub.close();
  }
}

describe('reconnect backoff of the client channels', () => {
  it('a channel the client opens after loading waits at most RECONNECT_BACKOFF_MAX_MS between attempts', async () => {
    await loadClient();
    expect(channelOptions()['grpc.max_reconnect_backoff_ms']).toBe(RECONNECT_BACKOFF_MAX_MS);
    expect(RECONNECT_BACKOFF_MAX_MS).toBeLessThanOrEqual(5_000);
  });

  it('options given explicitly still win, and loading twice does not wrap twice', async () => {
    await loadClient();
    await loadClient();
    expect(channelOptions({ 'grpc.max_reconnect_backoff_ms': 7_000 })['grpc.max_reconnect_backoff_ms']).toBe(
      7_000,
    );
  });
});
