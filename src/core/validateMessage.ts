/**
 * Validation at the edge, with Effect Schema: the only module that loads `effect`. Every issue of
 * a message is collected (`errors: "all"`) into one `ValidationError` before anything is sent.
 *
 * The schema is loaded on first need, not on import: `effect/Schema` brings most of `effect` with
 * it (about 35 MB of memory, 10 MB of it live heap, which V8 multiplies when it sizes the heap).
 * Quick checks accept what certainly passes the schema's rules (a test holds the two together over
 * a generated corpus) and hand everything else to the schema, which decides and explains. A
 * producer whose messages are all valid, answering well-formed check-backs, never loads it.
 */
import { createRequire } from 'node:module';
import type * as EitherModule from 'effect/Either';
import type * as ParseResultModule from 'effect/ParseResult';
import type * as SchemaModule from 'effect/Schema';
import { ValidationError, type ValidationIssue } from './errors.js';
import { MAX_BODY_BYTES, type ValidMessage } from './TransactionalMessage.js';

/**
 * Property names the broker keeps for itself (RocketMQ's system properties). A user property of
 * one of these names would be overwritten or would change how the broker treats the message.
 */
const RESERVED_PROPERTIES: ReadonlySet<string> = new Set([
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
  'MSG_REGION',
  'TRACE_ON',
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
  '__STARTDELIVERTIME',
  'TIMER_DELAY_SEC',
  'TIMER_DELIVER_MS',
  'TIMER_DELAY_MS',
  'TIMER_ENQUEUE_MS',
  'TIMER_DEQUEUE_MS',
  'TIMER_ROLL_TIMES',
  'TIMER_OUT_MS',
  'TIMER_DEL_UNIQKEY',
  '__SHARDINGKEY',
  'INNER_NUM',
  'INNER_BASE',
  'TRANSACTION_CHECK_TIMES',
  'CHECK_IMMUNITY_TIME_IN_SECONDS',
  'SHARDING_KEY',
  'bname',
  'TRANSACTION_ID',
  'MSG_ID',
  '__transactionId__',
]);

/** Whether the broker keeps a property of this name for itself (so it is not the user's). */
export const isReservedProperty = (name: string): boolean => RESERVED_PROPERTIES.has(name);

const utf8 = new TextEncoder();
const TOPIC = /^[%|a-zA-Z0-9_-]+$/;
const MAX_TOPIC_LENGTH = 127;
const WHITESPACE = /\s/;
// Shared by every message without keys or properties: one allocation less per message each.
const NO_KEYS: readonly string[] = Object.freeze([]);
const NO_PROPERTIES: Readonly<Record<string, string>> = Object.freeze({});
const FORBIDDEN_KEYS = ['deliveryDelayMs', 'deliveryTimestamp', 'messageGroup', 'priority'] as const;

/** The schemas, built once on first need (see the module's comment). */
interface Schemas {
  readonly message: (input: unknown) => ValidMessage | ValidationIssue[];
  readonly topic: (input: unknown) => ValidationIssue[];
  readonly checkBack: (input: unknown) => ValidationIssue[];
}

let schemas: Schemas | undefined;

function loadSchemas(): Schemas {
  if (schemas) return schemas;
  // Synchronous on purpose: validation answers within the call, also in virtual time.
  const load = createRequire(import.meta.url);
  const Schema = load('effect/Schema') as typeof SchemaModule;
  const ParseResult = load('effect/ParseResult') as typeof ParseResultModule;
  const Either = load('effect/Either') as typeof EitherModule;

  const issuesOf = (error: ParseResultModule.ParseError): ValidationIssue[] =>
    ParseResult.ArrayFormatter.formatErrorSync(error).map((i) => ({
      path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
      message: i.message,
    }));
  const issuesOnly = (result: EitherModule.Either<unknown, ParseResultModule.ParseError>) =>
    Either.isLeft(result) ? issuesOf(result.left) : [];

  const Topic = Schema.String.pipe(
    Schema.filter((s) => s.length > 0 || 'must not be empty'),
    Schema.filter(
      (s) =>
        s.length <= MAX_TOPIC_LENGTH || `must be at most ${MAX_TOPIC_LENGTH} characters (has ${s.length})`,
    ),
    Schema.filter((s) => /^[%|a-zA-Z0-9_-]*$/.test(s) || 'may contain only letters, digits, %, |, _ and -'),
  );

  const Tag = Schema.String.pipe(
    Schema.filter((s) => s.trim().length > 0 || 'must not be blank'),
    Schema.filter((s) => !s.includes('|') || 'must not contain "|"'),
  );

  const Key = Schema.String.pipe(
    Schema.filter((s) => s.trim().length > 0 || 'must not be blank'),
    Schema.filter((s) => !WHITESPACE.test(s) || 'must not contain whitespace'),
  );

  const PropertyName = Schema.String.pipe(
    Schema.filter((s) => s.trim().length > 0 || 'property name must not be blank'),
    Schema.filter((s) => !RESERVED_PROPERTIES.has(s) || `"${s}" is a system-reserved property name`),
  );
  const decodePropertyName = Schema.decodeUnknownEither(PropertyName);

  const Body = Schema.Unknown.pipe(
    Schema.filter(
      (b) => typeof b === 'string' || b instanceof Uint8Array || 'must be a Uint8Array or a string',
    ),
    Schema.filter((b) => {
      const size = typeof b === 'string' ? utf8.encode(b).byteLength : (b as Uint8Array).byteLength;
      return size <= MAX_BODY_BYTES || `must be at most ${MAX_BODY_BYTES} bytes (has ${size})`;
    }),
  );

  const Forbidden = (what: string) =>
    Schema.Unknown.pipe(Schema.filter(() => `${what} is not allowed on a transactional message`));

  const MessageSchema = Schema.Struct({
    topic: Topic,
    body: Body,
    tag: Schema.optionalWith(Tag, { exact: true }),
    keys: Schema.optionalWith(Schema.Array(Key), { exact: true }),
    properties: Schema.optionalWith(
      Schema.Record({ key: Schema.String, value: Schema.String }).pipe(
        Schema.filter((props) => {
          const bad = Object.keys(props).flatMap((name) => {
            const r = decodePropertyName(name);
            return Either.isLeft(r)
              ? [
                  {
                    path: [name],
                    message: ParseResult.ArrayFormatter.formatErrorSync(r.left)[0]?.message ?? 'invalid',
                  },
                ]
              : [];
          });
          return bad.length === 0 ? true : bad;
        }),
      ),
      { exact: true },
    ),
    deliveryDelayMs: Schema.optionalWith(Forbidden('a delivery delay'), { exact: true }),
    deliveryTimestamp: Schema.optionalWith(Forbidden('a delivery timestamp'), { exact: true }),
    messageGroup: Schema.optionalWith(Forbidden('a message group'), { exact: true }),
    priority: Schema.optionalWith(Forbidden('a priority'), { exact: true }),
  });
  const decodeMessage = Schema.decodeUnknownEither(MessageSchema, {
    errors: 'all',
    onExcessProperty: 'ignore',
  });
  const decodeTopic = Schema.decodeUnknownEither(Topic, { errors: 'all' });

  const CheckBackSchema = Schema.Struct({
    // The topic comes from the broker; it must be there, naming rules are the broker's business.
    topic: Schema.String.pipe(Schema.filter((s) => s.length > 0 || 'must not be empty')),
    messageId: Schema.String.pipe(Schema.filter((s) => s.length > 0 || 'must not be empty')),
    transactionId: Schema.String,
  });
  const decodeCheckBack = Schema.decodeUnknownEither(CheckBackSchema, {
    errors: 'all',
    onExcessProperty: 'ignore',
  });

  schemas = {
    message(input) {
      const result = decodeMessage(withoutUndefined(input));
      if (Either.isLeft(result)) return issuesOf(result.left);
      const m = result.right;
      const body = typeof m.body === 'string' ? utf8.encode(m.body) : (m.body as Uint8Array);
      return validMessage(m.topic, body, m.tag, m.keys, m.properties);
    },
    topic: (input) => issuesOnly(decodeTopic(input)),
    checkBack: (input) => issuesOnly(decodeCheckBack(input)),
  };
  return schemas;
}

/**
 * A field set to `undefined` counts as absent (`{ tag: maybeTag }` is ordinary JavaScript, and a
 * `deliveryDelayMs: undefined` delays nothing), so the schema sees only the fields with a value.
 */
function withoutUndefined(input: unknown): unknown {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return input;
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
}

/**
 * The common case, decided without the schema: accepts only a message that certainly passes the
 * schema's rules, and returns undefined for anything else, which the schema then decides and
 * explains. Exported for the test that holds the two together; not public API.
 */
export function quickValid(input: Record<string, unknown>): ValidMessage | undefined {
  const { topic, body, tag, keys, properties } = input;
  if (!isTopic(topic)) return undefined;
  let bytes: Uint8Array;
  if (typeof body === 'string') {
    // A UTF-8 character takes at most 3 bytes per UTF-16 unit; longer strings take the slow path.
    if (body.length * 3 > MAX_BODY_BYTES) return undefined;
    bytes = utf8.encode(body);
  } else if (body instanceof Uint8Array && body.byteLength <= MAX_BODY_BYTES) bytes = body;
  else return undefined;
  if (tag !== undefined && (typeof tag !== 'string' || tag.trim().length === 0 || tag.includes('|')))
    return undefined;
  if (keys !== undefined) {
    if (!Array.isArray(keys)) return undefined;
    for (const k of keys)
      if (typeof k !== 'string' || k.trim().length === 0 || WHITESPACE.test(k)) return undefined;
  }
  if (properties !== undefined) {
    if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) return undefined;
    for (const [name, value] of Object.entries(properties)) {
      if (typeof value !== 'string' || name.trim().length === 0 || RESERVED_PROPERTIES.has(name))
        return undefined;
    }
  }
  for (const key of FORBIDDEN_KEYS) if (input[key] !== undefined) return undefined;
  return validMessage(
    topic,
    bytes,
    tag as string | undefined,
    keys as readonly string[] | undefined,
    properties as Readonly<Record<string, string>> | undefined,
  );
}

/** A validated message as both paths hand it on: absent keys and properties are shared empties. */
function validMessage(
  topic: string,
  body: Uint8Array,
  tag: string | undefined,
  keys: readonly string[] | undefined,
  properties: Readonly<Record<string, string>> | undefined,
): ValidMessage {
  // Two literals rather than a spread: one allocation, and one shape per case for the callers.
  return tag === undefined
    ? { topic, body, keys: keys ?? NO_KEYS, properties: properties ?? NO_PROPERTIES }
    : { topic, body, tag, keys: keys ?? NO_KEYS, properties: properties ?? NO_PROPERTIES };
}

function isTopic(topic: unknown): topic is string {
  return typeof topic === 'string' && topic.length <= MAX_TOPIC_LENGTH && TOPIC.test(topic);
}

/** Validates a message; returns it with a byte body, or the `ValidationError` listing every issue. */
export function validateMessage(input: unknown): ValidMessage | ValidationError {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return new ValidationError('message', [{ path: [], message: 'expected a message object' }]);
  }
  const quick = quickValid(input as Record<string, unknown>);
  if (quick) return quick;
  const result = loadSchemas().message(input);
  if (!Array.isArray(result)) return result;
  const topic = (input as { topic?: unknown }).topic;
  return new ValidationError('message', result, typeof topic === 'string' ? { context: { topic } } : {});
}

/**
 * The schema's own decision, without the quick checks: a `ValidMessage`, or every issue. Exported
 * for the test that holds the quick checks to the schema; not public API.
 */
export function validateWithSchema(input: unknown): ValidMessage | ValidationIssue[] {
  return loadSchemas().message(input);
}

/** Validates a topic name alone (the transport checks the topics it declares). */
export function validateTopic(topic: unknown): ValidationIssue[] {
  return isTopic(topic) ? [] : loadSchemas().topic(topic);
}

/** Issues of a check-back request (empty when it can be answered). */
export function checkBackIssues(input: unknown): ValidationIssue[] {
  if (typeof input !== 'object' || input === null)
    return [{ path: [], message: 'expected a check-back object' }];
  const { topic, messageId, transactionId } = input as Record<string, unknown>;
  // The well-formed case, decided without the schema: it answers every check-back.
  if (
    typeof topic === 'string' &&
    topic.length > 0 &&
    typeof messageId === 'string' &&
    messageId.length > 0 &&
    typeof transactionId === 'string'
  )
    return [];
  return loadSchemas().checkBack(input);
}
