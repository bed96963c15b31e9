import { type Observable, share } from 'rxjs';
import type { BrokerPort, CheckBack } from '../core/BrokerPort.js';

const shared = new WeakMap<BrokerPort, Observable<CheckBack>>();

/**
 * The broker's check-back requests as one hot, shared Observable: every call for the same broker
 * returns the same stream, and subscribers share one subscription to the transport.
 *
 * A check-back is the broker asking whether a half message's transaction committed; the broker
 * sends it after its transaction timeout, then every check interval, to one live producer of the
 * topic. Requests that arrive while nobody subscribes are lost for that round (the broker asks
 * again). Answer them with `answerCheckBacks`.
 *
 * ```
 * broker:     ---c1------c2---c1'---
 * checkBacks: ---c1------c2---c1'---   (hot: late subscribers see only later checks)
 * ```
 *
 * @example
 * ```ts
 * import { answerCheckBacks, checkBacks } from 'rocketmq-rx';
 *
 * checkBacks(broker).pipe(answerCheckBacks(store)).subscribe((a) => log(a));
 * ```
 */
export function checkBacks(broker: BrokerPort): Observable<CheckBack> {
  let stream = shared.get(broker);
  if (!stream) {
    stream = broker.checkBacks.pipe(share());
    shared.set(broker, stream);
  }
  return stream;
}
