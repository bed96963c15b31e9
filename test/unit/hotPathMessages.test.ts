/**
 * The hot path's protobuf agrees with the official definitions, both ways: what we encode, the
 * official generated classes decode field for field; what they encode, we decode.
 */
import definition from 'rocketmq-client-nodejs/proto/apache/rocketmq/v2/definition_pb.js';
import service from 'rocketmq-client-nodejs/proto/apache/rocketmq/v2/service_pb.js';
import { describe, expect, it } from 'vitest';
import { nextMessageId } from '../../src/grpc/messageIds.js';
import { ProtoDecodeError } from '../../src/grpc/protobuf.js';
import { requestDateTime, signature } from '../../src/grpc/requestHeaders.js';
import {
  decodeEndTransactionResponse,
  decodeSendMessageResponse,
  encodeEndTransaction,
  encodeSendMessage,
  FRAME_PREFIX,
  RESOLUTION_ROLLBACK,
  SOURCE_SERVER_CHECK,
} from '../../src/grpc/transactionMessages.js';

const { Code, Encoding, MessageType, TransactionResolution, TransactionSource } = definition;

function unframe(frame: Buffer): Uint8Array {
  expect(frame[0]).toBe(0);
  expect(frame.readUInt32BE(1)).toBe(frame.length - FRAME_PREFIX);
  return frame.subarray(FRAME_PREFIX);
}

describe('SendMessageRequest', () => {
  it('decodes with the official classes to every field we set, including UTF-8, empty and large values', () => {
    const body = new Uint8Array(70_000).map((_, i) => i % 251);
    const bornAt = Date.UTC(2026, 11, 1, 21, 0, 0, 123);
    const frame = encodeSendMessage(
      {
        topic: 'Orders_ä',
        body,
        tag: 'Tag-ü',
        keys: ['k1', 'ключ'],
        properties: { orderId: '42', 'x-empty': '', long: 'v'.repeat(300) },
      },
      { namespace: 'ns1', messageId: 'ID1', bornHost: 'host-a', queueId: 3, bornAt },
    );
    const request = service.SendMessageRequest.deserializeBinary(unframe(frame));
    expect(request.getMessagesList()).toHaveLength(1);
    const m = request.getMessagesList()[0] as InstanceType<typeof definition.Message>;
    expect(m.getTopic()?.getName()).toBe('Orders_ä');
    expect(m.getTopic()?.getResourceNamespace()).toBe('ns1');
    expect(Buffer.from(m.getBody_asU8()).equals(Buffer.from(body))).toBe(true);
    expect(Object.fromEntries(m.getUserPropertiesMap().entries())).toEqual({
      orderId: '42',
      'x-empty': '',
      long: 'v'.repeat(300),
    });
    const sp = m.getSystemProperties();
    expect(sp?.getTag()).toBe('Tag-ü');
    expect(sp?.getKeysList()).toEqual(['k1', 'ключ']);
    expect(sp?.getMessageId()).toBe('ID1');
    expect(sp?.getBodyEncoding()).toBe(Encoding.IDENTITY);
    expect(sp?.getMessageType()).toBe(MessageType.TRANSACTION);
    expect(sp?.getBornTimestamp()?.toDate().getTime()).toBe(bornAt);
    expect(sp?.getBornHost()).toBe('host-a');
    expect(sp?.getQueueId()).toBe(3);
  });

  it('leaves out what is absent: no tag, no properties, no namespace, queue 0, empty body', () => {
    const frame = encodeSendMessage(
      { topic: 'T', body: new Uint8Array(0), keys: [], properties: {} },
      { namespace: '', messageId: 'ID2', bornHost: '', queueId: 0, bornAt: 1_000 },
    );
    const m = service.SendMessageRequest.deserializeBinary(unframe(frame)).getMessagesList()[0];
    expect(m?.getSystemProperties()?.hasTag()).toBe(false);
    expect(m?.getUserPropertiesMap().getLength()).toBe(0);
    expect(m?.getTopic()?.getResourceNamespace()).toBe('');
    expect(m?.getBody_asU8().byteLength).toBe(0);
    expect(m?.getSystemProperties()?.getBornTimestamp()?.getSeconds()).toBe(1);
  });
});

describe('SendMessageResponse', () => {
  const entry = (code: number, messageId = 'M1', transactionId = 'T1') =>
    new service.SendResultEntry()
      .setStatus(new definition.Status().setCode(code).setMessage(code === Code.OK ? 'ok' : 'entry failed'))
      .setMessageId(messageId)
      .setTransactionId(transactionId)
      .setOffset(2 ** 40)
      .setRecallHandle('handle');
  const decode = (response: InstanceType<typeof service.SendMessageResponse>) => {
    const bytes = Buffer.from(response.serializeBinary());
    return decodeSendMessageResponse(bytes, 0, bytes.length);
  };

  it('decodes the ids of an accepted half', () => {
    const response = new service.SendMessageResponse()
      .setStatus(new definition.Status().setCode(Code.OK))
      .setEntriesList([entry(Code.OK)]);
    expect(decode(response)).toEqual({
      status: { code: Code.OK, message: '' },
      messageId: 'M1',
      transactionId: 'T1',
    });
  });

  it("reports an entry's failure before the response's status", () => {
    const response = new service.SendMessageResponse()
      .setStatus(new definition.Status().setCode(Code.OK))
      .setEntriesList([entry(Code.TOPIC_NOT_FOUND)]);
    expect(decode(response).status).toEqual({ code: Code.TOPIC_NOT_FOUND, message: 'entry failed' });
  });

  it('reports a failed response without entries', () => {
    const response = new service.SendMessageResponse().setStatus(
      new definition.Status().setCode(Code.TOO_MANY_REQUESTS).setMessage('slow down'),
    );
    expect(decode(response).status).toEqual({ code: Code.TOO_MANY_REQUESTS, message: 'slow down' });
  });

  it('refuses an OK response that names no transaction', () => {
    const response = new service.SendMessageResponse().setStatus(new definition.Status().setCode(Code.OK));
    expect(() => decode(response)).toThrow(ProtoDecodeError);
  });

  it('refuses truncated bytes with a decoding error', () => {
    const bytes = Buffer.from(
      new service.SendMessageResponse().setEntriesList([entry(Code.OK)]).serializeBinary(),
    ).subarray(0, 7);
    expect(() => decodeSendMessageResponse(bytes, 0, bytes.length)).toThrow(ProtoDecodeError);
  });
});

describe('EndTransaction', () => {
  it('encodes a request the official classes read back', () => {
    const frame = encodeEndTransaction({
      namespace: 'ns',
      topic: 'Orders',
      messageId: 'M9',
      transactionId: 'T9',
      resolution: RESOLUTION_ROLLBACK,
      source: SOURCE_SERVER_CHECK,
    });
    const r = service.EndTransactionRequest.deserializeBinary(unframe(frame));
    expect(r.getTopic()?.getName()).toBe('Orders');
    expect(r.getTopic()?.getResourceNamespace()).toBe('ns');
    expect(r.getMessageId()).toBe('M9');
    expect(r.getTransactionId()).toBe('T9');
    expect(r.getResolution()).toBe(TransactionResolution.ROLLBACK);
    expect(r.getSource()).toBe(TransactionSource.SOURCE_SERVER_CHECK);
  });

  it('decodes the status of a response', () => {
    const bytes = Buffer.from(
      new service.EndTransactionResponse()
        .setStatus(new definition.Status().setCode(Code.INVALID_TRANSACTION_ID).setMessage('gone'))
        .serializeBinary(),
    );
    expect(decodeEndTransactionResponse(bytes, 0, bytes.length)).toEqual({
      code: Code.INVALID_TRANSACTION_ID,
      message: 'gone',
    });
  });
});

describe('request identity', () => {
  it("formats the date as the proxy's signature check expects, and signs it with HMAC-SHA1 in upper-case hex", () => {
    expect(requestDateTime(Date.UTC(2023, 8, 13, 6, 30, 59, 399))).toBe('20230913T063059Z');
    // HMAC-SHA1("key", "The quick brown fox jumps over the lazy dog"), a published test vector.
    expect(signature('key', 'The quick brown fox jumps over the lazy dog')).toBe(
      'DE7C9B85B8B78AA6BC8A7A36F70A90701C9DB4D9',
    );
  });

  it('makes message ids of the official layout that never repeat within a process', () => {
    const at = Date.UTC(2021, 0, 1, 0, 0, 16);
    const ids = Array.from({ length: 1000 }, () => nextMessageId(at));
    expect(new Set(ids).size).toBe(1000);
    for (const id of ids.slice(0, 3)) {
      expect(id).toMatch(/^01[0-9A-F]{32}$/);
      expect(id.slice(18, 26)).toBe('00000010'); // seconds since 2021-01-01
    }
  });
});
