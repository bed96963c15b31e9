/**
 * Messages the RocketMQ 5.3.3 proxy refuses, each with the path our validation names and the code
 * the proxy answers. One table for both proofs: the unit test (validateMessage and the virtual
 * broker refuse it first) and the integration test (the real proxy refuses it when sent raw).
 */
import { MAX_PROPERTIES_BYTES, MAX_USER_PROPERTIES } from '../../src/core/messageRules.js';

export interface Refusal {
  readonly what: string;
  /** The message without its topic (each test supplies one). */
  readonly message: {
    readonly body: string;
    readonly tag?: string;
    readonly keys?: readonly string[];
    readonly properties?: Readonly<Record<string, string>>;
  };
  readonly path: string;
  /** The proxy's answer (apache.rocketmq.v2.Code). */
  readonly code: number;
}

/** 5.3.3's MessageConst.STRING_HASH_SET: every name the proxy refuses as a user property. */
export const proxyReservedNames = [
  'TRACE_ON',
  'MSG_REGION',
  'KEYS',
  'TAGS',
  'WAIT',
  'DELAY',
  'RETRY_TOPIC',
  'REAL_TOPIC',
  'REAL_QID',
  'TRAN_MSG',
  'PGROUP',
  'MIN_OFFSET',
  'MAX_OFFSET',
  'BUYER_ID',
  'ORIGIN_MESSAGE_ID',
  'TRANSFER_FLAG',
  'CORRECTION_FLAG',
  'MQ2_FLAG',
  'RECONSUME_TIME',
  'UNIQ_KEY',
  'MAX_RECONSUME_TIMES',
  'CONSUME_START_TIME',
  'POP_CK',
  'POP_CK_OFFSET',
  '1ST_POP_TIME',
  'TRAN_PREPARED_QUEUE_OFFSET',
  'DUP_INFO',
  'EXTEND_UNIQ_INFO',
  'INSTANCE_ID',
  'CORRELATION_ID',
  'REPLY_TO_CLIENT',
  'TTL',
  'ARRIVE_TIME',
  'PUSH_REPLY_TIME',
  'CLUSTER',
  'MSG_TYPE',
  'INNER_MULTI_QUEUE_OFFSET',
  'TIMER_DELAY_MS',
  'TIMER_DELAY_SEC',
  'TIMER_DELIVER_MS',
  'TIMER_ENQUEUE_MS',
  'TIMER_DEQUEUE_MS',
  'TIMER_ROLL_TIMES',
  'TIMER_OUT_MS',
  'TIMER_DEL_UNIQKEY',
  'TIMER_DELAY_LEVEL',
  '__BORNHOST',
  'BORN_TIMESTAMP',
  'DLQ_ORIGIN_TOPIC',
  'DLQ_ORIGIN_MESSAGE_ID',
  '__CRC32#',
] as const;

const many = (count: number) => Object.fromEntries(Array.from({ length: count }, (_, i) => [`p${i}`, 'v']));

export const refusals: readonly Refusal[] = [
  { what: 'an empty body', message: { body: '' }, path: 'body', code: 41302 },
  ...proxyReservedNames.map((name) => ({
    what: `the reserved property ${name}`,
    message: { body: 'x', properties: { [name]: 'x' } },
    path: `properties.${name}`,
    code: 40007,
  })),
  { what: 'a newline in a tag', message: { body: 'x', tag: 'a\nb' }, path: 'tag', code: 40004 },
  {
    what: 'a C1 control character in a tag',
    message: { body: 'x', tag: 'a\u0085' },
    path: 'tag',
    code: 40004,
  },
  {
    what: 'a control character in a key',
    message: { body: 'x', keys: ['k\u0001'] },
    path: 'keys.0',
    code: 40005,
  },
  { what: 'a tab in a key', message: { body: 'x', keys: ['ok', 'k\t1'] }, path: 'keys.1', code: 40005 },
  {
    what: 'a control character in a property name',
    message: { body: 'x', properties: { 'a\u0002': 'x' } },
    path: 'properties.a\u0002',
    code: 40007,
  },
  {
    what: 'a newline in a JSON property value',
    message: { body: 'x', properties: { json: '{"note":"line 1\nline 2"}' } },
    path: 'properties.json',
    code: 40007,
  },
  {
    what: `more than ${MAX_USER_PROPERTIES} user properties`,
    message: { body: 'x', properties: many(MAX_USER_PROPERTIES + 1) },
    path: 'properties',
    code: 43101,
  },
  {
    what: `more than ${MAX_PROPERTIES_BYTES} bytes of properties`,
    message: { body: 'x', properties: { big: 'x'.repeat(MAX_PROPERTIES_BYTES) } },
    path: 'properties',
    code: 43101,
  },
  {
    what: `more than ${MAX_PROPERTIES_BYTES} bytes of properties, tag and keys together`,
    message: {
      body: 'x',
      tag: 't'.repeat(6_000),
      keys: ['k'.repeat(6_000)],
      properties: { p: 'é'.repeat(2_200) },
    },
    path: 'properties',
    code: 43101,
  },
];
