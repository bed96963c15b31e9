import { VirtualTimeScheduler } from 'rxjs';

/**
 * Virtual time that Promises can live in. RxJS's VirtualTimeScheduler runs every action in one
 * synchronous flush, so a Promise continuation (a store's `then`, an `await` in a local step)
 * would run only after all of virtual time had passed. This scheduler runs one action at a time
 * and lets the microtask queue empty before the next: what a Promise does at virtual time t
 * happens at t. Nothing here reads the wall clock, so a schedule replays exactly.
 */
export class SimScheduler extends VirtualTimeScheduler {
  /** Actions run so far. */
  steps = 0;

  /**
   * Runs actions in time order until none is left (`'idle'`), or the next one is later than
   * `untilMs` or `maxSteps` have run (`'limit'`: something keeps scheduling work).
   */
  async run(untilMs: number, maxSteps: number): Promise<'idle' | 'limit'> {
    for (;;) {
      await settled();
      const action = this.actions[0];
      if (!action) return 'idle';
      if (action.delay > untilMs || this.steps >= maxSteps) return 'limit';
      this.actions.shift();
      this.frame = action.delay;
      this.steps++;
      const error = action.execute(action.state, action.delay);
      if (error) throw error;
    }
  }

  /** A Promise resolved at `now() + ms` of virtual time. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.schedule(() => resolve(), ms);
    });
  }
}

/** Resolves once every microtask queued so far, and every one those queue, has run. */
function settled(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
