/**
 * What a CHECK_TRANSACTION_STATE request says. The header's topic is the half topic on 5.x and
 * absent on 4.x, so the topic comes from the stored message in the body; the offsets are those
 * of the copy the broker re-appended for this check, which the answer must name.
 */
import type { CheckBackMessage } from '../core/BrokerPort.js';
import type { Logger } from '../core/Logger.js';
import { isReservedProperty } from '../core/validateMessage.js';
import { decodeMessages, messageBody } from './decodeMessages.js';
import type { RemotingCommand } from './RemotingCommand.js';

export interface CheckRequest {
  readonly topic: string;
  readonly messageId: string;
  readonly transactionId: string;
  readonly tranStateTableOffset: string;
  readonly commitLogOffset: string;
  readonly brokerName?: string;
  readonly message?: CheckBackMessage;
  readonly bornAt?: number;
}

const HALF_TOPIC = 'RMQ_SYS_TRANS_HALF_TOPIC';

export function readCheckBack(command: RemotingCommand, logger: Logger): CheckRequest {
  const ext = command.extFields;
  let stored: ReturnType<typeof decodeMessages>[number] | undefined;
  try {
    stored = command.body ? decodeMessages(command.body)[0] : undefined;
  } catch (error) {
    logger.warn('check-back: the stored message does not decode', { msgId: ext.msgId, error: String(error) });
  }
  const props = stored?.properties ?? {};
  let message: CheckBackMessage | undefined;
  if (stored) {
    try {
      const properties: Record<string, string> = {};
      for (const [k, v] of Object.entries(props)) if (!isReservedProperty(k)) properties[k] = v;
      message = {
        body: new Uint8Array(messageBody(stored)),
        ...(props.TAGS === undefined ? {} : { tag: props.TAGS }),
        keys: props.KEYS ? props.KEYS.split(' ').filter((k) => k !== '') : [],
        properties,
      };
    } catch (error) {
      logger.warn('check-back: the message body does not decode', { msgId: ext.msgId, error: String(error) });
    }
  }
  const headerTopic = ext.topic && ext.topic !== HALF_TOPIC ? ext.topic : '';
  const messageId = ext.msgId || props.UNIQ_KEY || '';
  return {
    topic: stored?.topic || props.REAL_TOPIC || headerTopic,
    messageId,
    transactionId: ext.transactionId || props.__transactionId__ || messageId,
    tranStateTableOffset: ext.tranStateTableOffset ?? '',
    commitLogOffset: ext.commitLogOffset ?? '',
    ...(ext.bname ? { brokerName: ext.bname } : {}),
    ...(message ? { message } : {}),
    ...(stored ? { bornAt: stored.bornTimestamp } : {}),
  };
}
