/**
 * The test broker's other modes, each proving it is what it claims, for the tests of other
 * transports and of secured brokers: a plain name server + broker, authentication with ACL,
 * binary remoting headers, TLS on the proxy with a CA of the run's own. Each starts a server of
 * its own for this file only, one after the other.
 */
import { connect } from 'node:tls';
import { Producer } from 'rocketmq-client-nodejs';
import { describe, expect, inject, it } from 'vitest';
import { useRocketMQ } from '../support/onDemandBroker.js';
import { silentLogger } from '../support/rawClient.js';
import { RequestCode, remotingRequest } from '../support/remotingProbe.js';

const suite = inject('rocketmq');

async function producerSends(
  endpoints: string,
  topic: string,
  credentials?: { accessKey: string; accessSecret: string },
): Promise<string> {
  const producer = new Producer({
    endpoints,
    namespace: '',
    logger: silentLogger,
    ...(credentials ? { sessionCredentials: credentials } : {}),
  });
  try {
    await producer.startup();
    const receipt = await producer.send({ topic, body: Buffer.from('mode smoke') });
    return receipt.messageId;
  } finally {
    await producer.shutdown().catch(() => {});
  }
}

describe('the suite broker', () => {
  // Against an external RocketMQ this needs ROCKETMQ_BROKER_ADDR.
  it('exposes its embedded broker remoting address, answering in JSON', async () => {
    const reply = await remotingRequest(suite.brokerAddr, RequestCode.GetBrokerRuntimeInfo);
    expect(reply).toMatchObject({ serializeType: 0, code: 0 });
  });
});

describe('a plain name server + broker, no proxy', () => {
  const rocketmq = useRocketMQ({ server: 'broker', topics: { plain: 'TRANSACTION' } });

  it('routes a topic to the broker through the name server; there is no gRPC endpoint', async () => {
    const { mq, topics } = rocketmq();
    expect(mq.endpoints).toBe('');
    const route = await remotingRequest(mq.namesrv, RequestCode.GetRouteInfoByTopic, {
      topic: topics.plain as string,
    });
    expect(route.code).toBe(0);
    expect(route.body.toString('utf8')).toContain(mq.brokerAddr);
    const info = await remotingRequest(mq.brokerAddr, RequestCode.GetBrokerRuntimeInfo);
    expect(info).toMatchObject({ serializeType: 0, code: 0 });
  });
});

describe('a broker writing binary (ROCKETMQ) headers', () => {
  const rocketmq = useRocketMQ({ server: 'broker', serializeType: 'ROCKETMQ', topics: { binary: 'NORMAL' } });

  it('answers a JSON request with a binary header, from the broker and the name server', async () => {
    const { mq } = rocketmq();
    const info = await remotingRequest(mq.brokerAddr, RequestCode.GetBrokerRuntimeInfo);
    expect(info).toMatchObject({ serializeType: 1, code: 0, opaque: 1 });
    const cluster = await remotingRequest(mq.namesrv, RequestCode.GetBrokerClusterInfo);
    expect(cluster).toMatchObject({ serializeType: 1, code: 0 });
    expect(cluster.body.toString('utf8')).toContain(mq.brokerAddr);
  });
});

describe('a proxy and broker with authentication and ACL on', () => {
  const admin = { accessKey: 'rxadmin', secretKey: 'rx-admin-secret-1' };
  const rocketmq = useRocketMQ({
    auth: admin,
    topics: { secured: 'NORMAL' },
    users: [
      {
        accessKey: 'alice',
        secretKey: 'alice-secret-1',
        grants: [{ resource: 'Topic:*', actions: ['Pub'] }],
      },
      { accessKey: 'bob', secretKey: 'bob-secret-1' },
    ],
  });

  it('refuses an unsigned or wrongly signed remoting request and accepts a signed one', async () => {
    const { mq } = rocketmq();
    const unsigned = await remotingRequest(mq.brokerAddr, RequestCode.GetBrokerRuntimeInfo);
    expect(unsigned.code).toBe(16);
    const wrong = await remotingRequest(
      mq.brokerAddr,
      RequestCode.GetBrokerRuntimeInfo,
      {},
      {
        accessKey: admin.accessKey,
        secretKey: 'not-the-secret',
      },
    );
    expect(wrong).toMatchObject({ code: 16, remark: expect.stringMatching(/signature/i) });
    const signed = await remotingRequest(mq.brokerAddr, RequestCode.GetBrokerRuntimeInfo, {}, admin);
    expect(signed.code).toBe(0);
  });

  it('lets a gRPC user with permission send, and refuses no credentials, a wrong secret and no permission', async () => {
    const { mq, topics } = rocketmq();
    const topic = topics.secured as string;
    expect(
      await producerSends(mq.endpoints, topic, { accessKey: 'alice', accessSecret: 'alice-secret-1' }),
    ).toMatch(/^[0-9A-F]+$/);
    await expect(producerSends(mq.endpoints, topic)).rejects.toThrow();
    await expect(
      producerSends(mq.endpoints, topic, { accessKey: 'alice', accessSecret: 'wrong-secret' }),
    ).rejects.toThrow();
    await expect(
      producerSends(mq.endpoints, topic, { accessKey: 'bob', accessSecret: 'bob-secret-1' }),
    ).rejects.toThrow();
  });
});

describe('a proxy with TLS on and a CA of the run', () => {
  const rocketmq = useRocketMQ({ tls: true, topics: { tls: 'NORMAL' } });

  const handshake = (endpoints: string, ca?: string) =>
    new Promise<{ authorized: boolean; protocol: string | false | null }>((resolve, reject) => {
      const [host, port] = endpoints.split(':');
      const socket = connect({
        host,
        port: Number(port),
        servername: 'localhost',
        ALPNProtocols: ['h2'],
        ...(ca ? { ca } : {}),
      });
      socket.once('secureConnect', () => {
        resolve({ authorized: socket.authorized, protocol: socket.alpnProtocol });
        socket.destroy();
      });
      socket.once('error', reject);
    });

  it('serves HTTP/2 over TLS with a certificate of that CA, which no system CA vouches for', async () => {
    const { mq } = rocketmq();
    expect(mq.tls?.ca).toContain('BEGIN CERTIFICATE');
    expect(await handshake(mq.endpoints, mq.tls?.ca)).toEqual({ authorized: true, protocol: 'h2' });
    await expect(handshake(mq.endpoints)).rejects.toThrow(/self.signed|unable to (get|verify)/i);
  });

  it('refuses a plaintext gRPC client', async () => {
    const { mq, topics } = rocketmq();
    await expect(producerSends(mq.endpoints, topics.tls as string)).rejects.toThrow();
  });
});
