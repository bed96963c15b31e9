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
import {
  bodyProblem,
  keyProblem,
  MAX_PROPERTIES_BYTES,
  propertiesSizeProblem,
  propertyCountProblem,
  propertyNameProblem,
  propertyValueProblem,
  RESERVED_PROPERTIES,
  tagProblem,
  topicProblem,
} from './messageRules.js';
import { MAX_BODY_BYTES, type ValidMessage } from './TransactionalMessage.js';

/** Whether the broker keeps a property of this name for itself (so it is not the user's). */
export const isReservedProperty = (name: string): boolean => RESERVED_PROPERTIES.has(name);

const utf8 = new TextEncoder();
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

  // Every rule is messageRules' (the one rule set the virtual broker applies too).
  const rule = (problem: (s: string) => string | undefined) =>
    Schema.String.pipe(Schema.filter((s) => problem(s) ?? true));
  const Topic = rule(topicProblem);
  const Tag = rule(tagProblem);
  const Key = rule(keyProblem);

  const Body = Schema.Unknown.pipe(
    Schema.filter(
      (b) => typeof b === 'string' || b instanceof Uint8Array || 'must be a Uint8Array or a string',
    ),
    Schema.filter(
      (b) =>
        bodyProblem(typeof b === 'string' ? utf8.encode(b).byteLength : (b as Uint8Array).byteLength) ?? true,
    ),
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
        // One filter for names, values and their count, so that every bad entry is listed.
        Schema.filter((props) => {
          const bad: { path: string[]; message: string }[] = [];
          for (const [name, value] of Object.entries(props)) {
            const problem = propertyNameProblem(name) ?? propertyValueProblem(value);
            if (problem) bad.push({ path: [name], message: problem });
          }
          const count = propertyCountProblem(Object.keys(props).length);
          if (count) bad.push({ path: [], message: count });
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
      // Counted over all three fields, so not a field's own rule: added to whatever else is wrong.
      const { tag, keys, properties } = input as Record<string, unknown>;
      const size = propertiesSizeProblem(tag, keys, properties);
      const sizeIssues = size ? [{ path: ['properties'], message: size }] : [];
      if (Either.isLeft(result)) return [...issuesOf(result.left), ...sizeIssues];
      if (size) return sizeIssues;
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
    if (body.length === 0 || body.length * 3 > MAX_BODY_BYTES) return undefined;
    bytes = utf8.encode(body);
  } else if (body instanceof Uint8Array && bodyProblem(body.byteLength) === undefined) bytes = body;
  else return undefined;
  // Strings short enough that the size limit cannot be reached are the common case.
  let units = 0;
  if (tag !== undefined) {
    if (typeof tag !== 'string' || tagProblem(tag) !== undefined) return undefined;
    units += tag.length;
  }
  if (keys !== undefined) {
    if (!Array.isArray(keys)) return undefined;
    for (const k of keys) {
      if (typeof k !== 'string' || keyProblem(k) !== undefined) return undefined;
      units += k.length;
    }
  }
  if (properties !== undefined) {
    if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) return undefined;
    let count = 0;
    for (const name in properties) {
      if (!Object.hasOwn(properties, name)) continue;
      const value = (properties as Record<string, unknown>)[name];
      if (
        typeof value !== 'string' ||
        propertyNameProblem(name) !== undefined ||
        propertyValueProblem(value) !== undefined
      )
        return undefined;
      count++;
      units += name.length + value.length;
    }
    if (propertyCountProblem(count) !== undefined) return undefined;
  }
  if (units * 3 > MAX_PROPERTIES_BYTES) return undefined;
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
  return typeof topic === 'string' && topicProblem(topic) === undefined;
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
