/**
 * The SEND_MESSAGE_V2 request of a half message, as the Java producer sends it: the broker
 * makes a half of any message with TRAN_MSG=true, and asks PGROUP's producers about it.
 */
import { ValidationError } from '../core/errors.js';
import type { ValidMessage } from '../core/TransactionalMessage.js';
import { MessageSysFlag } from './decodeMessages.js';
import { encodeProperties, MAX_PROPERTIES_BYTES, propertyIssues } from './messageProperties.js';

export interface HalfRequest {
  readonly extFields: Record<string, string>;
  readonly body: Buffer;
}

export function halfRequest(
  message: ValidMessage,
  producerGroup: string,
  messageId: string,
  queueId: number,
  brokerName: string,
): HalfRequest | ValidationError {
  const issues = propertyIssues(message.properties);
  const properties: Record<string, string> = { ...message.properties };
  if (message.keys.length > 0) properties.KEYS = message.keys.join(' ');
  if (message.tag !== undefined) properties.TAGS = message.tag;
  properties.WAIT = 'true';
  properties.UNIQ_KEY = messageId;
  properties.TRAN_MSG = 'true';
  properties.PGROUP = producerGroup;
  const encoded = encodeProperties(properties);
  if (Buffer.byteLength(encoded) > MAX_PROPERTIES_BYTES) {
    issues.push(`properties, keys and tag take more than ${MAX_PROPERTIES_BYTES} bytes, the broker's limit`);
  }
  if (issues.length > 0) {
    return new ValidationError(
      'message for remoting',
      issues.map((message) => ({ path: ['properties'], message })),
    );
  }
  return {
    extFields: {
      a: producerGroup,
      b: message.topic,
      c: 'TBW102',
      d: '4',
      e: String(queueId),
      f: String(MessageSysFlag.TransactionPrepared),
      g: String(Date.now()),
      h: '0',
      i: encoded,
      // 5.2.0 failed on these when absent (apache/rocketmq#7871).
      j: '0',
      k: 'false',
      m: 'false',
      n: brokerName,
    },
    body: Buffer.from(message.body.buffer, message.body.byteOffset, message.body.byteLength),
  };
}

/** The commit-log offset inside an offset message id (hex of host, port, then an int64). */
export function commitLogOffsetOf(offsetMsgId: string): string | undefined {
  if (!/^[0-9A-Fa-f]{32}$|^[0-9A-Fa-f]{56}$/.test(offsetMsgId)) return undefined;
  return BigInt(`0x${offsetMsgId.slice(-16)}`).toString();
}
