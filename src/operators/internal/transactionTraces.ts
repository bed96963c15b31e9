import type { TransactionTrace } from '../../core/Telemetry.js';
import type { Half } from '../../core/Transaction.js';

/**
 * The trace of each traced half, so that `executeLocal` and `resolve` continue the transaction
 * `sendHalf` began without a field on the public `Half`. Nothing is looked up until a first trace
 * exists: untraced pipelines pay one boolean test per stage.
 */
const traces = new WeakMap<Half, TransactionTrace>();
let anyTraced = false;

export function attachTrace(half: Half, trace: TransactionTrace): void {
  anyTraced = true;
  traces.set(half, trace);
}

export function traceOf(half: Half): TransactionTrace | undefined {
  return anyTraced ? traces.get(half) : undefined;
}
