/**
 * One remoting request over a plain socket, for the test broker's smoke tests: enough of the
 * protocol to show what a server is (which header format it answers in, whether it asks for a
 * signature), independently of any transport under test.
 */
import { createHmac } from 'node:crypto';
import { connect } from 'node:net';

export interface RemotingReply {
  /** 0 JSON, 1 ROCKETMQ (binary): the high byte of the header mark. */
  readonly serializeType: number;
  readonly code: number;
  readonly opaque: number;
  readonly remark: string | null;
  readonly body: Buffer;
}

function decodeBinaryHeader(h: Buffer): Omit<RemotingReply, 'serializeType' | 'body'> {
  const code = h.readInt16BE(0);
  const opaque = h.readInt32BE(5);
  const remarkLength = h.readInt32BE(13);
  const remark = remarkLength > 0 ? h.subarray(17, 17 + remarkLength).toString('utf8') : null;
  return { code, opaque, remark };
}

/**
 * Sends a request with a JSON header and reads the reply. With `credentials` the request is
 * signed the way the 5.x broker checks it: HMAC-SHA1 over the sorted ext values and the body.
 */
export function remotingRequest(
  address: string,
  code: number,
  extFields: Record<string, string> = {},
  credentials?: { readonly accessKey: string; readonly secretKey: string },
): Promise<RemotingReply> {
  const [host = '127.0.0.1', port = '0'] = address.split(':');
  const fields: Record<string, string> = { ...extFields };
  if (credentials) {
    fields.AccessKey = credentials.accessKey;
    const content = Object.keys(fields)
      .sort()
      .map((k) => fields[k])
      .join('');
    fields.Signature = createHmac('sha1', credentials.secretKey).update(content, 'utf8').digest('base64');
  }
  const header = Buffer.from(
    JSON.stringify({ code, language: 'OTHER', version: 401, opaque: 1, flag: 0, extFields: fields }),
  );
  const frame = Buffer.alloc(8 + header.length);
  frame.writeInt32BE(4 + header.length, 0);
  frame.writeInt32BE(header.length, 4);
  header.copy(frame, 8);
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port) });
    let data = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no remoting reply from ${address} within 10 s`));
    }, 10_000);
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('connect', () => socket.write(frame));
    socket.on('data', (chunk) => {
      data = Buffer.concat([data, chunk]);
      if (data.length < 4 || data.length < 4 + data.readInt32BE(0)) return;
      clearTimeout(timer);
      socket.destroy();
      const mark = data.readInt32BE(4);
      const serializeType = (mark >>> 24) & 0xff;
      const headerLength = mark & 0xffffff;
      const head = data.subarray(8, 8 + headerLength);
      const body = data.subarray(8 + headerLength, 4 + data.readInt32BE(0));
      if (serializeType === 1) {
        resolve({ serializeType, ...decodeBinaryHeader(head), body });
      } else {
        const json = JSON.parse(head.toString('utf8')) as { code: number; opaque: number; remark?: string };
        resolve({ serializeType, code: json.code, opaque: json.opaque, remark: json.remark ?? null, body });
      }
    });
  });
}

/** Request codes the smoke tests use. */
export const RequestCode = {
  GetBrokerRuntimeInfo: 28,
  GetRouteInfoByTopic: 105,
  GetBrokerClusterInfo: 106,
} as const;
