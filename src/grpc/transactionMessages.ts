/**
 * Protobuf encoding of the two requests a transaction makes, and decoding of their responses —
 * just these messages of `apache.rocketmq.v2` (field numbers as in the RocketMQ 5 API
 * definitions), written straight into a gRPC frame.
 */
import type { ValidMessage } from '../core/TransactionalMessage.js';
import {
  delimitedSize,
  ProtoDecodeError,
  ProtoReader,
  ProtoWriter,
  varintFieldSize,
  Wire,
} from './protobuf.js';

/** The 5-byte prefix of a gRPC message: compressed flag, then the length (big-endian). */
export const FRAME_PREFIX = 5;

const ENCODING_IDENTITY = 1;
const MESSAGE_TYPE_TRANSACTION = 4;
export const RESOLUTION_COMMIT = 1;
export const RESOLUTION_ROLLBACK = 2;
export const SOURCE_CLIENT = 1;
export const SOURCE_SERVER_CHECK = 2;
/** RocketMQ's `Code.OK`. */
export const CODE_OK = 20000;

const utf8Length = (s: string) => Buffer.byteLength(s, 'utf8');

function framed(writer: ProtoWriter): Buffer {
  const buffer = writer.buffer;
  buffer[0] = 0;
  buffer.writeUInt32BE(buffer.length - FRAME_PREFIX, 1);
  return buffer;
}

/** What a half message needs besides the message itself. */
export interface HalfEnvelope {
  readonly namespace: string;
  readonly messageId: string;
  readonly bornHost: string;
  readonly queueId: number;
  /** Milliseconds since the epoch. */
  readonly bornAt: number;
}

/** A `SendMessageRequest` with one TRANSACTION message, as a gRPC frame. */
export function encodeSendMessage(message: ValidMessage, envelope: HalfEnvelope): Buffer {
  const namespaceLength = utf8Length(envelope.namespace);
  const topicLength = utf8Length(message.topic);
  const resourceSize =
    (namespaceLength === 0 ? 0 : delimitedSize(1, namespaceLength)) + delimitedSize(2, topicLength);

  const propertyNames = Object.keys(message.properties);
  const propertySizes: number[] = [];
  let propertiesSize = 0;
  for (const name of propertyNames) {
    const entry =
      delimitedSize(1, utf8Length(name)) + delimitedSize(2, utf8Length(message.properties[name] as string));
    propertySizes.push(entry);
    propertiesSize += delimitedSize(2, entry);
  }

  const seconds = Math.floor(envelope.bornAt / 1000);
  const nanos = (envelope.bornAt % 1000) * 1_000_000;
  const timestampSize = varintFieldSize(1, seconds) + varintFieldSize(2, nanos);
  const tagLength = message.tag === undefined ? -1 : utf8Length(message.tag);
  const keyLengths = message.keys.map(utf8Length);
  const messageIdLength = utf8Length(envelope.messageId);
  const bornHostLength = utf8Length(envelope.bornHost);
  let systemSize =
    (tagLength < 0 ? 0 : delimitedSize(1, tagLength)) +
    delimitedSize(3, messageIdLength) +
    varintFieldSize(5, ENCODING_IDENTITY) +
    varintFieldSize(6, MESSAGE_TYPE_TRANSACTION) +
    delimitedSize(7, timestampSize) +
    (bornHostLength === 0 ? 0 : delimitedSize(8, bornHostLength)) +
    varintFieldSize(13, envelope.queueId);
  for (const length of keyLengths) systemSize += delimitedSize(2, length);

  const bodyLength = message.body.byteLength;
  const messageSize =
    delimitedSize(1, resourceSize) +
    propertiesSize +
    delimitedSize(3, systemSize) +
    (bodyLength === 0 ? 0 : delimitedSize(4, bodyLength));

  const w = new ProtoWriter(delimitedSize(1, messageSize), FRAME_PREFIX);
  w.message(1, messageSize);
  w.message(1, resourceSize);
  if (namespaceLength > 0) w.string(1, envelope.namespace, namespaceLength);
  w.string(2, message.topic, topicLength);
  propertyNames.forEach((name, i) => {
    w.message(2, propertySizes[i] as number);
    w.string(1, name, utf8Length(name));
    const value = message.properties[name] as string;
    w.string(2, value, utf8Length(value));
  });
  w.message(3, systemSize);
  if (message.tag !== undefined) w.string(1, message.tag, tagLength);
  message.keys.forEach((key, i) => {
    w.string(2, key, keyLengths[i] as number);
  });
  w.string(3, envelope.messageId, messageIdLength);
  w.uint(5, ENCODING_IDENTITY);
  w.uint(6, MESSAGE_TYPE_TRANSACTION);
  w.message(7, timestampSize).uint(1, seconds).uint(2, nanos);
  if (bornHostLength > 0) w.string(8, envelope.bornHost, bornHostLength);
  w.uint(13, envelope.queueId);
  if (bodyLength > 0) w.bytes(4, message.body);
  return framed(w);
}

export interface EndRequest {
  readonly namespace: string;
  readonly topic: string;
  readonly messageId: string;
  readonly transactionId: string;
  readonly resolution: typeof RESOLUTION_COMMIT | typeof RESOLUTION_ROLLBACK;
  readonly source: typeof SOURCE_CLIENT | typeof SOURCE_SERVER_CHECK;
}

/** An `EndTransactionRequest`, as a gRPC frame. */
export function encodeEndTransaction(request: EndRequest): Buffer {
  const namespaceLength = utf8Length(request.namespace);
  const topicLength = utf8Length(request.topic);
  const messageIdLength = utf8Length(request.messageId);
  const transactionIdLength = utf8Length(request.transactionId);
  const resourceSize =
    (namespaceLength === 0 ? 0 : delimitedSize(1, namespaceLength)) + delimitedSize(2, topicLength);
  const size =
    delimitedSize(1, resourceSize) +
    delimitedSize(2, messageIdLength) +
    delimitedSize(3, transactionIdLength) +
    varintFieldSize(4, request.resolution) +
    varintFieldSize(5, request.source);
  const w = new ProtoWriter(size, FRAME_PREFIX);
  w.message(1, resourceSize);
  if (namespaceLength > 0) w.string(1, request.namespace, namespaceLength);
  w.string(2, request.topic, topicLength);
  w.string(2, request.messageId, messageIdLength);
  w.string(3, request.transactionId, transactionIdLength);
  w.uint(4, request.resolution);
  w.uint(5, request.source);
  return framed(w);
}

/** RocketMQ's `Status`: a code (20000 is OK) and a message. */
export interface Status {
  readonly code: number;
  readonly message: string;
}

function decodeStatus(r: ProtoReader): Status {
  let code = 0;
  let message = '';
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === Wire.Varint) code = r.varint();
    else if (field === 2 && wire === Wire.Bytes) message = r.string();
    else r.skip(wire);
  }
  return { code, message };
}

export interface SendResult {
  /** The first status that is not OK — an entry's before the response's — else OK. */
  readonly status: Status;
  readonly messageId: string;
  readonly transactionId: string;
}

/** A `SendMessageResponse` for one message. */
export function decodeSendMessageResponse(buffer: Buffer, start: number, end: number): SendResult {
  const r = new ProtoReader(buffer, start, end);
  let status: Status = { code: 0, message: '' };
  let entryStatus: Status | undefined;
  let messageId = '';
  let transactionId = '';
  let entries = 0;
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === Wire.Bytes) status = decodeStatus(r.nested());
    else if (field === 2 && wire === Wire.Bytes) {
      entries++;
      const e = r.nested();
      while (!e.done) {
        const t = e.tag();
        if (t.field === 1 && t.wire === Wire.Bytes) {
          const s = decodeStatus(e.nested());
          if (s.code !== CODE_OK && entryStatus === undefined) entryStatus = s;
        } else if (t.field === 2 && t.wire === Wire.Bytes) messageId = e.string();
        else if (t.field === 3 && t.wire === Wire.Bytes) transactionId = e.string();
        else e.skip(t.wire);
      }
    } else r.skip(wire);
  }
  const result = { status: entryStatus ?? status, messageId, transactionId };
  if (result.status.code === CODE_OK && (entries !== 1 || messageId === '' || transactionId === '')) {
    throw new ProtoDecodeError(`a SendMessageResponse with ${entries} entries and no ids for one message`);
  }
  return result;
}

/** An `EndTransactionResponse`. */
export function decodeEndTransactionResponse(buffer: Buffer, start: number, end: number): Status {
  const r = new ProtoReader(buffer, start, end);
  let status: Status = { code: 0, message: '' };
  while (!r.done) {
    const { field, wire } = r.tag();
    if (field === 1 && wire === Wire.Bytes) status = decodeStatus(r.nested());
    else r.skip(wire);
  }
  return status;
}
