import { from, Observable, type ObservableInput, Subject } from 'rxjs';
import { map } from 'rxjs/operators';
import {
  type BrokerPort,
  type CheckBack,
  ClosedError,
  type HalfReceipt,
  type ValidMessage,
} from '../../src/index.js';

/**
 * One producer process's connection to the shared virtual broker. Killed (the process crashed),
 * nothing it asks is answered any more — what it sent may still have reached the broker. Closed (a
 * graceful shutdown), new calls fail with `ClosedError` and its check-back stream completes.
 */
export interface ProducerLink {
  readonly name: string;
  readonly port: BrokerPort;
  /** Check-backs the proxy routed to this producer. */
  readonly checks: Subject<CheckBack>;
  readonly alive: boolean;
  /** Wraps a call of this process so that its answer dies with the process. */
  guard<T>(input: ObservableInput<T>): Observable<T>;
  kill(): void;
  close(): void;
}

export function producerLink(
  name: string,
  broker: BrokerPort,
  onSent: (message: ValidMessage, receipt: HalfReceipt) => void,
): ProducerLink {
  let dead = false;
  let closed = false;
  const checks = new Subject<CheckBack>();
  const guard = <T>(input: ObservableInput<T>): Observable<T> =>
    new Observable<T>((subscriber) => {
      if (dead) return;
      if (closed) {
        subscriber.error(new ClosedError(`${name} is closed`));
        return;
      }
      const sub = from(input).subscribe({
        next: (v) => {
          if (!dead) subscriber.next(v);
        },
        error: (e) => {
          if (!dead) subscriber.error(e);
        },
        complete: () => {
          if (!dead) subscriber.complete();
        },
      });
      return () => sub.unsubscribe();
    });
  return {
    name,
    checks,
    get alive() {
      return !dead && !closed;
    },
    guard,
    port: {
      sendHalf: (message) =>
        guard(broker.sendHalf(message)).pipe(
          map((receipt) => {
            onSent(message, receipt);
            return receipt;
          }),
        ),
      endTransaction: (request) => guard(broker.endTransaction(request)),
      checkBacks: checks.asObservable(),
    },
    kill() {
      dead = true;
    },
    close() {
      if (closed) return;
      closed = true;
      checks.complete();
    },
  };
}
