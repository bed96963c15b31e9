import { defer, EMPTY, from } from 'rxjs';
import type { CheckBack } from '../../src/index.js';

/**
 * A check-back as the gRPC transport hands it to the application, over the virtual broker's
 * check: what src/grpc/rocketmqBroker.ts does between the proxy's command and the end call —
 * the first answer uses the check up, `unknown` is not sent, and a commit or rollback later than
 * `checkAnswerTimeoutMs` after the check arrived is dropped.
 */
export function transportCheck(check: CheckBack, now: () => number, answerTimeoutMs: number): CheckBack {
  const deadline = now() + answerTimeoutMs;
  let answered = false;
  return {
    ...check,
    answer: (state) =>
      defer(() => {
        if (answered) return EMPTY;
        answered = true;
        if (state !== 'commit' && state !== 'rollback') return EMPTY;
        if (now() > deadline) return EMPTY;
        return from(check.answer(state));
      }),
  };
}
