/**
 * Stored messages as a broker hands them out (a check-back's body, a pull's body: records back
 * to back), and the bodies it stored compressed. Offsets are 64-bit and kept as decimal strings:
 * they only travel back to the broker, as strings.
 */
import { inflateSync } from 'node:zlib';
import { ProtocolError } from '../core/errors.js';
import { decodeProperties } from './messageProperties.js';

const MAGIC_V1 = 0xdaa320a7 | 0;
const MAGIC_V2 = 0xdaa320ab | 0;

/** sysFlag bits of a stored message. */
export const MessageSysFlag = {
  Compressed: 0x1,
  TransactionPrepared: 0x4,
  BornHostV6: 0x10,
  StoreHostV6: 0x20,
} as const;

export interface StoredMessage {
  readonly topic: string;
  readonly queueId: number;
  readonly queueOffset: string;
  readonly commitLogOffset: string;
  readonly sysFlag: number;
  readonly bornTimestamp: number;
  readonly storeTimestamp: number;
  /** The body as stored: still compressed when `sysFlag` says so (see `messageBody`). */
  readonly rawBody: Buffer;
  readonly properties: Readonly<Record<string, string>>;
}

/** Every record in `data`; a truncated or unknown record is a ProtocolError. */
export function decodeMessages(data: Buffer): StoredMessage[] {
  const out: StoredMessage[] = [];
  let at = 0;
  while (at < data.length) {
    if (data.length - at < 4) throw new ProtocolError('Bad stored message: trailing bytes');
    const size = data.readInt32BE(at);
    if (size < 4 || at + size > data.length) {
      throw new ProtocolError(`Bad stored message: record of ${size} bytes in ${data.length - at} left`);
    }
    out.push(decodeMessage(data.subarray(at, at + size)));
    at += size;
  }
  return out;
}

export function decodeMessage(record: Buffer): StoredMessage {
  let at = 4;
  const need = (n: number) => {
    if (n < 0 || at + n > record.length) {
      throw new ProtocolError(`Bad stored message: ends early (at byte ${at} of ${record.length})`);
    }
  };
  const int32 = () => {
    need(4);
    const v = record.readInt32BE(at);
    at += 4;
    return v;
  };
  const int64 = () => {
    need(8);
    const v = record.readBigInt64BE(at);
    at += 8;
    return v;
  };
  const skip = (n: number) => {
    need(n);
    at += n;
  };
  const magic = int32();
  if (magic !== MAGIC_V1 && magic !== MAGIC_V2) {
    throw new ProtocolError(`Bad stored message: unknown magic ${(magic >>> 0).toString(16)}`);
  }
  skip(4); // body CRC
  const queueId = int32();
  skip(4); // flag
  const queueOffset = int64().toString();
  const commitLogOffset = int64().toString();
  const sysFlag = int32();
  const bornTimestamp = Number(int64());
  skip((sysFlag & MessageSysFlag.BornHostV6 ? 16 : 4) + 4);
  const storeTimestamp = Number(int64());
  skip((sysFlag & MessageSysFlag.StoreHostV6 ? 16 : 4) + 4);
  skip(4); // reconsume times
  skip(8); // prepared transaction offset
  const bodyLength = int32();
  need(bodyLength);
  const rawBody = Buffer.from(record.subarray(at, at + bodyLength));
  at += bodyLength;
  need(magic === MAGIC_V1 ? 1 : 2);
  const topicLength = magic === MAGIC_V1 ? record.readUInt8(at) : record.readUInt16BE(at);
  at += magic === MAGIC_V1 ? 1 : 2;
  need(topicLength);
  const topic = record.toString('utf8', at, at + topicLength);
  at += topicLength;
  need(2);
  const propertiesLength = record.readUInt16BE(at);
  at += 2;
  need(propertiesLength);
  const properties = decodeProperties(record.toString('utf8', at, at + propertiesLength));
  return {
    topic,
    queueId,
    queueOffset,
    commitLogOffset,
    sysFlag,
    bornTimestamp,
    storeTimestamp,
    rawBody,
    properties,
  };
}

/**
 * The body as the producer sent it. zlib (a Java Deflater stream) is built into Node; LZ4 and
 * zstd bodies come only from producers that chose them, and are refused with a ProtocolError.
 */
export function messageBody(message: StoredMessage): Buffer {
  if ((message.sysFlag & MessageSysFlag.Compressed) === 0) return message.rawBody;
  const type = (message.sysFlag >>> 8) & 0x7;
  if (type !== 0 && type !== 3) {
    throw new ProtocolError(
      `Message body compressed with ${type === 1 ? 'LZ4' : type === 2 ? 'zstd' : `type ${type}`}, which this client does not decode`,
    );
  }
  try {
    return inflateSync(message.rawBody);
  } catch (error) {
    throw new ProtocolError('Message body marked zlib-compressed does not inflate', { cause: error });
  }
}
