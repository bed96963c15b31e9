/**
 * A name server and broker in one, speaking the remoting protocol on a loopback port with our
 * own codec: enough to pin the transport's wire behaviour without a JVM. Each test decides how
 * it answers; it records every request it receives.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { FrameDecoder } from '../../../src/remoting/decodeFrames.js';
import { encodeCommand, type RemotingCommand } from '../../../src/remoting/RemotingCommand.js';

export type Answer = { code: number; remark?: string; extFields?: Record<string, string> } | 'none';

export interface FakeServer {
  readonly address: string;
  readonly requests: RemotingCommand[];
  readonly sockets: Set<Socket>;
  /** Overrides the answer to a request code. */
  answer(code: number, answer: (request: RemotingCommand) => Answer): void;
  /** Sends a broker-initiated request on every open connection. */
  send(command: RemotingCommand): void;
  /** Writes raw bytes on every open connection. */
  sendRaw(bytes: Buffer): void;
  close(): Promise<void>;
}

export async function fakeRemotingServer(topics: readonly string[]): Promise<FakeServer> {
  const requests: RemotingCommand[] = [];
  const sockets = new Set<Socket>();
  const answers = new Map<number, (r: RemotingCommand) => Answer>();
  let offset = 100;
  let address = '';
  const route = () =>
    Buffer.from(
      JSON.stringify({
        queueDatas: [{ brokerName: 'b0', readQueueNums: 2, writeQueueNums: 2, perm: 6, topicSysFlag: 0 }],
        brokerDatas: [{ cluster: 'c', brokerName: 'b0', brokerAddrs: { '0': address } }],
      }),
    );
  const defaults = (r: RemotingCommand): Answer & { body?: Buffer } => {
    switch (r.code) {
      case 105:
        return topics.includes(r.extFields.topic ?? '')
          ? { code: 0, body: route() }
          : { code: 17, remark: 'No topic route info in name server for the topic' };
      case 310:
        offset++;
        return {
          code: 0,
          extFields: {
            msgId: `7F00000100002B67${offset.toString(16).padStart(16, '0').toUpperCase()}`,
            queueId: r.extFields.e ?? '0',
            queueOffset: String(offset),
          },
        };
      default:
        return { code: 0 };
    }
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const decoder = new FrameDecoder();
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.on('data', (chunk) => {
      for (const r of decoder.push(chunk)) {
        if (r.flag & 1) continue; // a response to a request of ours
        requests.push(r);
        const custom = answers.get(r.code);
        const a = custom ? custom(r) : defaults(r);
        if (a === 'none' || r.flag & 2) continue;
        const body = 'body' in a ? (a as { body?: Buffer }).body : undefined;
        socket.write(
          encodeCommand({
            code: a.code,
            opaque: r.opaque,
            flag: 1,
            ...(a.remark === undefined ? {} : { remark: a.remark }),
            extFields: a.extFields ?? {},
            ...(body ? { body } : {}),
          }),
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  address = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    address,
    requests,
    sockets,
    answer: (code, fn) => answers.set(code, fn),
    send: (command) => {
      for (const s of sockets) s.write(encodeCommand(command));
    },
    sendRaw: (bytes) => {
      for (const s of sockets) s.write(bytes);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
