/** A synchronous source over a synchronous broker must not hold the event loop for its whole run. */
import { lastValueFrom, take, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { pullable, TransactionState, transactional } from '../../src/index.js';
import { virtualBroker } from '../../src/testing/index.js';

describe('event-loop fairness', () => {
  it('lets timers run while it pulls an endless synchronous source', async () => {
    const broker = virtualBroker();
    function* endless() {
      for (let i = 0; ; i++) yield { topic: 'Orders', body: `order ${i}` };
    }
    let done = 0;
    let doneWhenTimerFired = -1;
    setTimeout(() => {
      doneWhenTimerFired = done;
    }, 0);
    await lastValueFrom(
      pullable(endless()).pipe(
        transactional(broker, () => TransactionState.Commit, { concurrency: 64 }),
        take(50_000),
        toArray(),
      ),
      { defaultValue: [] },
    ).then(() => {
      done = 50_000;
    });
    broker.close();
    // The timer fired before the 50 000 transactions were through.
    expect(doneWhenTimerFired).toBe(0);
    expect(broker.stats().committed).toBeGreaterThanOrEqual(50_000);
  });
});
