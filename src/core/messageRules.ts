/**
 * What the RocketMQ 5.3.3 gRPC proxy refuses in a message, as plain predicates: the one rule set
 * behind `validateMessage` (both its quick checks and its schema) and the virtual broker. Taken
 * from the proxy's own checks (GrpcValidator, SendMessageActivity, MessageConst, TopicValidator,
 * ProxyConfig defaults), and in places stricter where the proxy would accept something that then
 * misbehaves (a key with a space is split in two; a blank property name).
 *
 * Each predicate answers `undefined` for a value the proxy accepts, or the reason it does not.
 */
import { MAX_BODY_BYTES } from './TransactionalMessage.js';

/** ProxyConfig `userPropertyMaxNum`: more user properties are refused (43101). */
export const MAX_USER_PROPERTIES = 128;
/**
 * ProxyConfig `maxUserPropertySize`: the UTF-8 bytes of every property name and value, the tag and
 * the keys together, at most (43101).
 */
export const MAX_PROPERTIES_BYTES = 16 * 1024;
export const MAX_TOPIC_LENGTH = 127;

/**
 * Property names the broker keeps for itself: 5.3.3's `MessageConst.STRING_HASH_SET`, which the
 * proxy refuses (40007), and a few more that it lets through but that change how the broker
 * treats a transactional message (its transaction id, check immunity, sharding key).
 */
export const RESERVED_PROPERTIES: ReadonlySet<string> = new Set([
  // MessageConst.STRING_HASH_SET of 5.3.3, in its order
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
  // accepted by the proxy, but they steer the broker
  '__STARTDELIVERTIME',
  '__SHARDINGKEY',
  'SHARDING_KEY',
  'INNER_NUM',
  'INNER_BASE',
  'INNER_MULTI_DISPATCH',
  'TRANSACTION_CHECK_TIMES',
  'CHECK_IMMUNITY_TIME_IN_SECONDS',
  'TRACE_CONTEXT',
  'REDIRECT',
  'PROPERTY_FORWARD_QUEUE_ID',
  'bname',
  'TRANSACTION_ID',
  'MSG_ID',
  '__transactionId__',
]);

/** TopicValidator's system topics: sending to them is refused (40002). */
const SYSTEM_TOPICS: ReadonlySet<string> = new Set([
  'TBW102',
  'SCHEDULE_TOPIC_XXXX',
  'BenchmarkTest',
  'RMQ_SYS_TRANS_HALF_TOPIC',
  'RMQ_SYS_TRACE_TOPIC',
  'RMQ_SYS_TRANS_OP_HALF_TOPIC',
  'TRANS_CHECK_MAX_TIME_TOPIC',
  'SELF_TEST_TOPIC',
  'OFFSET_MOVED_EVENT',
  'CHECKPOINT_TOPIC',
]);

const TOPIC = /^[%|a-zA-Z0-9_-]+$/;
/** Java's `Character.isISOControl` (Guava `javaIsoControl`), which the proxy applies. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
export const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const WHITESPACE = /\s/;

export function topicProblem(s: string): string | undefined {
  if (s.length === 0) return 'must not be empty';
  if (s.length > MAX_TOPIC_LENGTH) return `must be at most ${MAX_TOPIC_LENGTH} characters (has ${s.length})`;
  if (!TOPIC.test(s)) return 'may contain only letters, digits, %, |, _ and -';
  if (SYSTEM_TOPICS.has(s) || s.startsWith('rmq_sys_')) return `"${s}" is a system topic`;
  return undefined;
}

export function tagProblem(s: string): string | undefined {
  if (s.trim().length === 0) return 'must not be blank';
  if (s.includes('|')) return 'must not contain "|"';
  if (CONTROL.test(s)) return 'must not contain control characters';
  return undefined;
}

export function keyProblem(s: string): string | undefined {
  if (s.trim().length === 0) return 'must not be blank';
  // Also catches the control characters that are whitespace; the rest are checked next.
  if (WHITESPACE.test(s)) return 'must not contain whitespace';
  if (CONTROL.test(s)) return 'must not contain control characters';
  return undefined;
}

export function propertyNameProblem(name: string): string | undefined {
  if (name.trim().length === 0) return 'property name must not be blank';
  if (RESERVED_PROPERTIES.has(name)) return `"${name}" is a system-reserved property name`;
  if (CONTROL.test(name)) return 'property name must not contain control characters';
  return undefined;
}

export function propertyValueProblem(value: string): string | undefined {
  return CONTROL.test(value) ? 'must not contain control characters (escape them, e.g. as JSON)' : undefined;
}

export function bodyProblem(bytes: number): string | undefined {
  if (bytes === 0) return 'must not be empty';
  if (bytes > MAX_BODY_BYTES) return `must be at most ${MAX_BODY_BYTES} bytes (has ${bytes})`;
  return undefined;
}

export function propertyCountProblem(count: number): string | undefined {
  return count > MAX_USER_PROPERTIES ? `at most ${MAX_USER_PROPERTIES} properties (has ${count})` : undefined;
}

/**
 * The proxy counts the UTF-8 bytes of every property name and value, the tag and the keys against
 * `MAX_PROPERTIES_BYTES`. Strings only: what is not a string is another field's problem.
 */
export function propertiesSizeProblem(tag: unknown, keys: unknown, properties: unknown): string | undefined {
  let units = 0; // UTF-16 units; one takes at most 3 UTF-8 bytes
  const strings: string[] = [];
  const add = (s: unknown) => {
    if (typeof s !== 'string') return;
    units += s.length;
    strings.push(s);
  };
  add(tag);
  if (Array.isArray(keys)) for (const k of keys) add(k);
  if (typeof properties === 'object' && properties !== null && !Array.isArray(properties)) {
    for (const [name, value] of Object.entries(properties)) {
      add(name);
      add(value);
    }
  }
  // The common case is decided without encoding: even at 3 bytes a unit it fits.
  if (units * 3 <= MAX_PROPERTIES_BYTES) return undefined;
  let bytes = 0;
  for (const s of strings) bytes += Buffer.byteLength(s, 'utf8');
  return bytes > MAX_PROPERTIES_BYTES
    ? `properties, tag and keys take ${bytes} bytes (UTF-8); at most ${MAX_PROPERTIES_BYTES}`
    : undefined;
}
