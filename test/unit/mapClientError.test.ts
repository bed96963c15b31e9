/**
 * Every code a 5.x proxy answers on send, end, receive, ack and extend, turned into the client's
 * own exception (its StatusChecker, as on the wire) and mapped by our table: the typed error and
 * whether retrying can help.
 */
import { StatusChecker } from 'rocketmq-client-nodejs';
import { describe, expect, it } from 'vitest';
import { mapClientError, PROXY_CODES } from '../../src/grpc/mapClientError.js';

type Op = 'send' | 'end' | 'receive' | 'ack' | 'extend';
const all: Op[] = ['send', 'end', 'receive', 'ack', 'extend'];

// [code, name, operations that can get it, expected _tag, retryable]
const table: ReadonlyArray<readonly [number, string, readonly Op[], string, boolean]> = [
  [40000, 'BAD_REQUEST', all, 'BadRequestError', false],
  [40002, 'ILLEGAL_TOPIC', all, 'BadRequestError', false],
  [40003, 'ILLEGAL_CONSUMER_GROUP', ['receive', 'ack', 'extend'], 'BadRequestError', false],
  [40004, 'ILLEGAL_MESSAGE_TAG', ['send'], 'BadRequestError', false],
  [40005, 'ILLEGAL_MESSAGE_KEY', ['send'], 'BadRequestError', false],
  [40006, 'ILLEGAL_MESSAGE_GROUP', ['send'], 'BadRequestError', false],
  [40007, 'ILLEGAL_MESSAGE_PROPERTY_KEY', ['send'], 'BadRequestError', false],
  [40008, 'INVALID_TRANSACTION_ID', ['end'], 'TransactionNotFoundError', false],
  [40009, 'ILLEGAL_MESSAGE_ID', ['send', 'end', 'ack', 'extend'], 'BadRequestError', false],
  [40010, 'ILLEGAL_FILTER_EXPRESSION', ['receive'], 'BadRequestError', false],
  [40011, 'ILLEGAL_INVISIBLE_TIME', ['receive', 'extend'], 'BadRequestError', false],
  [40012, 'ILLEGAL_DELIVERY_TIME', ['send'], 'BadRequestError', false],
  [40013, 'INVALID_RECEIPT_HANDLE', ['ack', 'extend'], 'BadRequestError', false],
  [40014, 'MESSAGE_PROPERTY_CONFLICT_WITH_TYPE', ['send'], 'BadRequestError', false],
  [40016, 'MESSAGE_CORRUPTED', ['send'], 'BadRequestError', false],
  [40017, 'CLIENT_ID_REQUIRED', all, 'BadRequestError', false],
  [40018, 'ILLEGAL_POLLING_TIME', ['receive'], 'BadRequestError', false],
  [40100, 'UNAUTHORIZED', all, 'UnauthorizedError', false],
  [40300, 'FORBIDDEN', all, 'UnauthorizedError', false],
  [40402, 'TOPIC_NOT_FOUND', ['send', 'end', 'receive'], 'TopicNotFoundError', false],
  [40403, 'CONSUMER_GROUP_NOT_FOUND', ['receive', 'ack', 'extend'], 'BadRequestError', false],
  [40800, 'REQUEST_TIMEOUT', all, 'BrokerTimeoutError', true],
  [41301, 'MESSAGE_BODY_TOO_LARGE', ['send'], 'BadRequestError', false],
  [41302, 'MESSAGE_BODY_EMPTY', ['send'], 'BadRequestError', false],
  [42900, 'TOO_MANY_REQUESTS', all, 'ThrottledError', true],
  [43101, 'MESSAGE_PROPERTIES_TOO_LARGE', ['send'], 'BadRequestError', false],
  [50001, 'INTERNAL_SERVER_ERROR', all, 'BrokerError', true],
  [50002, 'HA_NOT_AVAILABLE', ['send'], 'BrokerError', true],
  [50100, 'NOT_IMPLEMENTED', all, 'BrokerError', false],
  [50400, 'PROXY_TIMEOUT', all, 'BrokerTimeoutError', true],
  [50401, 'MASTER_PERSISTENCE_TIMEOUT', ['send'], 'BrokerTimeoutError', true],
  [50402, 'SLAVE_PERSISTENCE_TIMEOUT', ['send'], 'BrokerTimeoutError', true],
  [50500, 'UNSUPPORTED', all, 'BrokerError', false],
];

/** What the client throws for a status, exactly as on the wire. */
function thrownFor(code: number, message: string): unknown {
  try {
    StatusChecker.check({ code, message } as never, 'req-1');
  } catch (error) {
    return error;
  }
  throw new Error(`the client did not throw for ${code}`);
}

describe('proxy codes, mapped by code', () => {
  for (const [code, name, ops, tag, retryable] of table) {
    for (const op of ops) {
      it(`${op}: ${code} ${name} is a ${tag}${retryable ? ', retryable' : ''}`, () => {
        const cause = thrownFor(code, `${name.toLowerCase()} on ${op}`);
        const error = mapClientError(cause, { topic: 'Orders' });
        expect(error._tag).toBe(tag);
        expect(error.retryable).toBe(retryable);
        expect(error.cause).toBe(cause);
        expect(error.context).toEqual({ topic: 'Orders' });
      });
    }
  }

  it("end: the proxy's transaction-data-not-found, which arrives as 50001, is a TransactionNotFoundError", () => {
    const error = mapClientError(thrownFor(50001, 'cannot found transaction data by key: xyz'));
    expect(error._tag).toBe('TransactionNotFoundError');
    expect(error.retryable).toBe(false);
  });

  it('NOT_FOUND naming a topic is a TopicNotFoundError; a code the table lacks goes by its family', () => {
    expect(mapClientError(thrownFor(40400, 'topic Orders not found'))._tag).toBe('TopicNotFoundError');
    expect(mapClientError({ code: 42999, message: 'new throttle' })._tag).toBe('ThrottledError');
    expect(mapClientError({ code: 40099, message: 'new' })._tag).toBe('BadRequestError');
    expect(mapClientError({ code: 50499, message: 'new' })._tag).toBe('BrokerTimeoutError');
  });

  it('maps the codes these five calls do not get as the proto groups them, and the table has no other', () => {
    const others: ReadonlyArray<readonly [number, string, boolean]> = [
      [40001, 'BadRequestError', false], // ILLEGAL_ACCESS_POINT
      [40015, 'BadRequestError', false], // UNRECOGNIZED_CLIENT_TYPE
      [40200, 'UnauthorizedError', false], // PAYMENT_REQUIRED
      [40400, 'BadRequestError', false], // NOT_FOUND (of something else than a topic)
      [40401, 'BrokerError', true], // MESSAGE_NOT_FOUND: the client answers it with no messages
      [40404, 'BadRequestError', false], // OFFSET_NOT_FOUND
      [41300, 'BadRequestError', false], // PAYLOAD_TOO_LARGE
      [42800, 'BadRequestError', false], // PRECONDITION_FAILED
      [43100, 'BadRequestError', false], // REQUEST_HEADER_FIELDS_TOO_LARGE
      [50000, 'BrokerError', true], // INTERNAL_ERROR
      [50501, 'BrokerError', false], // VERSION_UNSUPPORTED
      [50502, 'BrokerError', false], // VERIFY_FIFO_MESSAGE_UNSUPPORTED
      [60000, 'BrokerError', false], // FAILED_TO_CONSUME_MESSAGE
    ];
    for (const [code, tag, retryable] of others) {
      const error = mapClientError({ code, message: `code ${code}` });
      expect([code, error._tag, error.retryable]).toEqual([code, tag, retryable]);
    }
    const covered = new Set([...table.map(([code]) => code), ...others.map(([code]) => code)]);
    expect(
      Object.keys(PROXY_CODES)
        .map(Number)
        .filter((c) => !covered.has(c)),
    ).toEqual([]);
  });
});
