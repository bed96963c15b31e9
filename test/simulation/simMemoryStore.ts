import { Observable } from 'rxjs';
import { type MemoryStateStore, memoryStateStore, type StateStore } from '../../src/index.js';
import { type Outage, operationAt } from './outages.js';
import type { SimScheduler } from './SimScheduler.js';

/**
 * The memory store behind a network: every save and load takes `latencyMs` of virtual time and
 * suffers the outages of its window. A save takes effect when it answers (or not at all when it
 * fails). In the simulation it stands for any durable store shared by the producers: its records
 * outlive a producer's crash.
 */
export function simMemoryStore(
  scheduler: SimScheduler,
  latencyMs: number,
  outages: readonly Outage[],
  failedWrite: (messageId: string) => void,
): { readonly store: StateStore; readonly inner: MemoryStateStore } {
  const inner = memoryStateStore();
  const op = <T>(effect: () => T): Observable<T> =>
    new Observable<T>((subscriber) => {
      const { delayMs, error } = operationAt(outages, latencyMs, scheduler.now());
      return scheduler.schedule(() => {
        if (error) {
          subscriber.error(error);
          return;
        }
        subscriber.next(effect());
        subscriber.complete();
      }, delayMs);
    });
  return {
    inner,
    store: {
      // Not cancelled by unsubscribing: a write on its way lands, as it does on a network.
      save: (record) =>
        new Observable<void>((subscriber) => {
          op(() => {
            inner.save(record);
          }).subscribe({
            next: (v) => subscriber.next(v),
            error: (e) => {
              failedWrite(record.messageId);
              subscriber.error(e);
            },
            complete: () => subscriber.complete(),
          });
        }),
      load: (messageId) => op(() => inner.get(messageId)),
    },
  };
}
