import { createHmac } from 'node:crypto';
import { firstValueFrom, from } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BrokerError,
  type CheckBack,
  ProtocolError,
  type RemotingBroker,
  remotingBroker,
  StartupError,
  UnauthorizedError,
  ValidationError,
} from '../../../src/index.js';
import { encodeProperties } from '../../../src/remoting/messageProperties.js';
import { type FakeServer, fakeRemotingServer } from './fakeRemotingServer.js';

const TOPIC = 'Orders';
let server: FakeServer | undefined;
let broker: RemotingBroker | undefined;

afterEach(async () => {
  await broker?.close();
  await server?.close();
  broker = undefined;
  server = undefined;
});

const message = (body = 'x', properties: Record<string, string> = {}) => ({
  topic: TOPIC,
  body: new TextEncoder().encode(body),
  keys: ['k'],
  properties,
});

async function start(options: Partial<Parameters<typeof remotingBroker>[0]> = {}) {
  server = await fakeRemotingServer([TOPIC]);
  broker = await remotingBroker({
    nameServer: server.address,
    producerGroup: 'pg',
    topics: [TOPIC],
    requestTimeoutMs: 500,
    ...options,
  });
  return { server, broker };
}

const codes = (s: FakeServer) => s.requests.map((r) => r.code);

describe('remotingBroker on the wire', () => {
  it('registers the producer group with a heartbeat before the first half, marked as a transaction', async () => {
    const { server, broker } = await start();
    expect(codes(server)).toEqual([105, 34]);
    expect(JSON.parse(server.requests[1]?.body?.toString() ?? '')).toMatchObject({
      producerDataSet: [{ groupName: 'pg' }],
    });
    const receipt = await firstValueFrom(from(broker.sendHalf(message('hello', { order: '7' }))));
    const send = server.requests.at(-1)!;
    expect(send.code).toBe(310);
    expect(send.extFields).toMatchObject({
      a: 'pg',
      b: TOPIC,
      f: '4',
      j: '0',
      k: 'false',
      m: 'false',
      n: 'b0',
    });
    expect(send.extFields.i).toContain(encodeProperties({ order: '7', KEYS: 'k' }));
    expect(send.extFields.i).toContain(`UNIQ_KEY\u0001${receipt.messageId}\u0002`);
    expect(send.extFields.i).toContain('TRAN_MSG\u0001true\u0002PGROUP\u0001pg\u0002');
    expect(send.body?.toString()).toBe('hello');
  });

  it('ends a half by its offsets, and never retries an end that went unanswered', async () => {
    const { server, broker } = await start();
    const receipt = await firstValueFrom(from(broker.sendHalf(message())));
    server.answer(37, () => 'none');
    const error = await firstValueFrom(
      from(broker.endTransaction({ topic: TOPIC, ...receipt, resolution: 'commit', source: 'client' })),
      { defaultValue: undefined },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerError);
    expect((error as BrokerError).retryable).toBe(false);
    const end = server.requests.at(-1)!;
    expect(end.code).toBe(37);
    expect(end.extFields).toMatchObject({
      producerGroup: 'pg',
      commitOrRollback: '8',
      tranStateTableOffset: '101',
      commitLogOffset: '101',
      msgId: receipt.messageId,
      fromTransactionCheck: 'false',
    });
  });

  it('maps a refused end to a typed error', async () => {
    const { server, broker } = await start();
    const receipt = await firstValueFrom(from(broker.sendHalf(message())));
    server.answer(37, () => ({ code: 1, remark: 'Find prepared transaction message failed' }));
    const error = await firstValueFrom(
      from(broker.endTransaction({ topic: TOPIC, ...receipt, resolution: 'rollback', source: 'client' })),
      { defaultValue: undefined },
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ _tag: 'TransactionNotFoundError', retryable: false });
  });

  it('dispatches on the response flag first: a broker check with the opaque of a pending request', async () => {
    const { server, broker } = await start();
    const checks: CheckBack[] = [];
    broker.checkBacks.subscribe((c) => checks.push(c));
    server.answer(310, () => 'none');
    const sending = firstValueFrom(from(broker.sendHalf(message()))).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const pending = server.requests.at(-1)!;
    server.send({
      code: 39,
      opaque: pending.opaque,
      flag: 2,
      extFields: {
        msgId: 'M1',
        transactionId: 'T1',
        tranStateTableOffset: '6',
        commitLogOffset: '3543',
        topic: 'x',
      },
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(checks.map((c) => [c.messageId, c.transactionId, c.topic])).toEqual([['M1', 'T1', 'x']]);
    expect(await sending).toMatchObject({ _tag: 'BrokerTimeoutError' });
  });

  it('answers a broker request it does not know with code 3, and ignores unknown oneway ones', async () => {
    const { server } = await start();
    const replies: number[] = [];
    const socket = [...server.sockets].at(-1)!;
    socket.on('data', (d: Buffer) => replies.push(d.length));
    server.send({ code: 307, opaque: 9, flag: 0, extFields: {} });
    server.send({ code: 308, opaque: 10, flag: 2, extFields: {} });
    await new Promise((r) => setTimeout(r, 100));
    expect(replies).toHaveLength(1);
  });

  it('closes a connection that sent a bad frame, fails what was pending, and reconnects', async () => {
    const { server, broker } = await start();
    server.answer(310, () => 'none');
    const sending = firstValueFrom(from(broker.sendHalf(message()))).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const bad = Buffer.alloc(8);
    bad.writeInt32BE(2);
    server.sendRaw(bad);
    const error = await sending;
    expect(error).toMatchObject({ _tag: 'BrokerUnavailableError' });
    expect((error as Error).cause).toBeInstanceOf(ProtocolError);
    await new Promise((r) => setTimeout(r, 400));
    // The new connection is registered again before anything else is sent on it.
    expect(codes(server).filter((c) => c === 34).length).toBeGreaterThanOrEqual(2);
  });

  it('unregisters at close, and sends nothing after', async () => {
    const { server, broker } = await start();
    await broker.close();
    expect(codes(server).at(-1)).toBe(35);
    expect(server.requests.at(-1)?.extFields).toMatchObject({ producerGroup: 'pg' });
    const error = await firstValueFrom(from(broker.sendHalf(message()))).catch((e: unknown) => e);
    expect(error).toMatchObject({ _tag: 'ClosedError' });
  });

  it('signs every request; a wrong secret fails the start with UnauthorizedError, the secret in no message', async () => {
    server = await fakeRemotingServer([TOPIC]);
    const secret = 'right-secret';
    const verify = (r: Parameters<Parameters<FakeServer['answer']>[1]>[0]) => {
      const { Signature, ...rest } = r.extFields;
      const h = createHmac('sha1', secret);
      for (const k of Object.keys(rest).sort()) h.update(rest[k] as string);
      if (r.body) h.update(r.body);
      return Signature === h.digest('base64') ? { code: 0 } : { code: 16, remark: 'check signature failed.' };
    };
    server.answer(34, verify);
    const ok = await remotingBroker({
      nameServer: server.address,
      producerGroup: 'pg',
      topics: [TOPIC],
      credentials: { accessKey: 'ak', accessSecret: secret },
    });
    await ok.close();
    const error = await remotingBroker({
      nameServer: server.address,
      producerGroup: 'pg',
      topics: [TOPIC],
      credentials: { accessKey: 'ak', accessSecret: 'wrong-secret' },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartupError);
    expect((error as StartupError).cause).toBeInstanceOf(UnauthorizedError);
    expect(JSON.stringify(error) + String(error)).not.toContain('wrong-secret');
  });

  it('refuses a property the wire cannot carry, before sending', async () => {
    const { server, broker } = await start();
    const before = server.requests.length;
    const error = await firstValueFrom(from(broker.sendHalf(message('x', { bad: 'a\u0001b' })))).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ValidationError);
    expect(server.requests.length).toBe(before);
  });
});
