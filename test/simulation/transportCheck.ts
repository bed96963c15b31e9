import { from, lastValueFrom } from 'rxjs';
import { transportCheckBack } from '../../src/grpc/transportCheckBack.js';
import { type CheckBack, silentLogger } from '../../src/index.js';

/**
 * A check-back as the gRPC transport hands it to the application: the transport's own
 * `transportCheckBack`, whose end call is the virtual broker's answer to the check. The deadline is
 * the transport's `checkAnswerTimeoutMs` after the check arrived.
 */
export function transportCheck(
  check: CheckBack,
  now: () => number,
  answerTimeoutMs: number,
  closing: () => boolean,
): CheckBack {
  return transportCheckBack(
    {
      topic: check.topic,
      messageId: check.messageId,
      transactionId: check.transactionId,
      ...(check.message ? { message: check.message } : {}),
      ...(check.bornAt === undefined ? {} : { bornAt: check.bornAt }),
      deadline: now() + answerTimeoutMs,
    },
    {
      now,
      closing,
      send: (resolution) =>
        lastValueFrom(from(check.answer(resolution)), { defaultValue: undefined }).then(() => {}),
      settled: () => {},
      logger: silentLogger,
    },
  );
}
