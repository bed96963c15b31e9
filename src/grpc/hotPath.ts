/**
 * The transport's hot path: the two RPCs of every transaction — SendMessage of the half and
 * EndTransaction — over an HTTP/2 session of our own, with the headers of the official producer
 * whose client id it borrows (so the proxy sees one client, with the settings that producer
 * registered). Everything else (startup, routes, heartbeats, the telemetry stream that carries
 * check-backs) stays with the official client.
 */
import type { ValidMessage } from '../core/TransactionalMessage.js';
import { CallError, grpcSession } from './grpcSession.js';
import { nextMessageId } from './messageIds.js';
import { type HeaderIdentity, requestHeaders } from './requestHeaders.js';
import {
  CODE_OK,
  decodeEndTransactionResponse,
  decodeSendMessageResponse,
  encodeEndTransaction,
  encodeSendMessage,
  RESOLUTION_COMMIT,
  RESOLUTION_ROLLBACK,
  SOURCE_CLIENT,
  SOURCE_SERVER_CHECK,
} from './transactionMessages.js';

const SEND_PATH = '/apache.rocketmq.v2.MessagingService/SendMessage';
const END_PATH = '/apache.rocketmq.v2.MessagingService/EndTransaction';

/** Requests can carry a 4 MiB body plus properties; the proxy's own limit decides beyond that. */
const MAX_SEND_BYTES = 8 * 1024 * 1024;
const MAX_RECEIVE_BYTES = 4 * 1024 * 1024;

export interface HotPathOptions extends HeaderIdentity {
  readonly endpoints: string;
  readonly tls: boolean;
  readonly requestTimeoutMs: number;
  /** Sent as the message's born host, as the official client does. */
  readonly bornHost: string;
  /** The writable queues of each declared topic, taken in turn. */
  readonly queues: ReadonlyMap<string, readonly number[]>;
}

export interface EndCall {
  readonly topic: string;
  readonly messageId: string;
  readonly transactionId: string;
  readonly commit: boolean;
  readonly fromCheck: boolean;
}

export interface HotPath {
  /** `done` once: with a `CallError` (or a decoding error), or with the half's ids. */
  send(
    message: ValidMessage,
    done: (error: unknown, receipt?: { messageId: string; transactionId: string }) => void,
  ): void;
  end(call: EndCall, done: (error?: unknown) => void): void;
  close(): void;
}

export function hotPath(options: HotPathOptions): HotPath {
  const session = grpcSession({
    endpoints: options.endpoints,
    tls: options.tls,
    timeoutMs: options.requestTimeoutMs,
    maxSendBytes: MAX_SEND_BYTES,
    maxReceiveBytes: MAX_RECEIVE_BYTES,
    headers: requestHeaders(options, options.endpoints, options.tls ? 'https' : 'http'),
  });
  const turns = new Map<string, number>();
  const queueOf = (topic: string) => {
    const queues = options.queues.get(topic);
    if (!queues || queues.length === 0) return 0;
    const turn = turns.get(topic) ?? 0;
    turns.set(topic, turn + 1 === queues.length ? 0 : turn + 1);
    return queues[turn] as number;
  };

  return {
    send(message, done) {
      let frame: Buffer;
      try {
        frame = encodeSendMessage(message, {
          namespace: options.namespace,
          messageId: nextMessageId(),
          bornHost: options.bornHost,
          queueId: queueOf(message.topic),
          bornAt: Date.now(),
        });
      } catch (error) {
        done(error);
        return;
      }
      session.call(SEND_PATH, frame, (error, buffer, start, end) => {
        if (error) return done(error);
        let result: ReturnType<typeof decodeSendMessageResponse>;
        try {
          result = decodeSendMessageResponse(buffer as Buffer, start as number, end as number);
        } catch (decoding) {
          return done(new CallError(13, `undecodable SendMessageResponse: ${String(decoding)}`));
        }
        if (result.status.code !== CODE_OK)
          return done(new CallError(result.status.code, result.status.message));
        done(undefined, { messageId: result.messageId, transactionId: result.transactionId });
      });
    },

    end(call, done) {
      const frame = encodeEndTransaction({
        namespace: options.namespace,
        topic: call.topic,
        messageId: call.messageId,
        transactionId: call.transactionId,
        resolution: call.commit ? RESOLUTION_COMMIT : RESOLUTION_ROLLBACK,
        source: call.fromCheck ? SOURCE_SERVER_CHECK : SOURCE_CLIENT,
      });
      session.call(END_PATH, frame, (error, buffer, start, end) => {
        if (error) return done(error);
        let status: ReturnType<typeof decodeEndTransactionResponse>;
        try {
          status = decodeEndTransactionResponse(buffer as Buffer, start as number, end as number);
        } catch (decoding) {
          return done(new CallError(13, `undecodable EndTransactionResponse: ${String(decoding)}`));
        }
        if (status.code !== CODE_OK) return done(new CallError(status.code, status.message));
        done();
      });
    },

    close: session.close,
  };
}
