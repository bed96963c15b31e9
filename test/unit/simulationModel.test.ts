/**
 * The simulation's PostgreSQL model holds what the simulation relies on: another session's
 * uncommitted row is invisible, a second writer of a key waits for the first to end, and a
 * killed connection's transaction rolls back.
 */
import { describe, expect, it } from 'vitest';
import { SimScheduler } from '../simulation/SimScheduler.js';
import { SqlModel } from '../simulation/SqlModel.js';

const setup = () => {
  const scheduler = new SimScheduler();
  const model = new SqlModel({ scheduler, statement: () => ({ delayMs: 10 }), trace: () => {} });
  return { scheduler, model, a: model.connect('a'), b: model.connect('b') };
};

describe('the simulation SQL model', () => {
  it('hides an open transaction from other sessions (READ COMMITTED)', async () => {
    const { scheduler, a, b } = setup();
    const seen: unknown[] = [];
    void a.transaction(async (tx) => {
      await tx.query('insert into business (message_id) values ($1)', ['m1']);
      seen.push((await b.query('select message_id from business where message_id = $1', ['m1'])).rows.length);
      seen.push(
        (await tx.query('select message_id from business where message_id = $1', ['m1'])).rows.length,
      );
      await scheduler.sleep(100);
    });
    await scheduler.run(10_000, 1_000);
    seen.push(
      (
        await (async () => {
          const r = b.query('select message_id from business where message_id = $1', ['m1']);
          await scheduler.run(10_000, 1_000);
          return r;
        })()
      ).rows.length,
    );
    expect(seen).toEqual([0, 1, 1]);
  });

  it('makes a second writer of a key wait for the first transaction, then see its outcome', async () => {
    const { scheduler, a, b } = setup();
    const events: string[] = [];
    void a.transaction(async (tx) => {
      await tx.query('insert into business (message_id) values ($1)', ['m1']);
      await scheduler.sleep(500);
      events.push(`a commits at ${scheduler.now()}`);
    });
    scheduler.schedule(() => {
      b.query('insert into business (message_id) values ($1) on conflict (message_id) do nothing', [
        'm1',
      ]).then((r) => events.push(`b inserted ${r.rows.length} at ${scheduler.now()}`));
    }, 50);
    await scheduler.run(10_000, 1_000);
    expect(events).toEqual(['a commits at 510', 'b inserted 0 at 520']);
  });

  it('rolls back the open transaction of a killed connection and never answers it again', async () => {
    const { scheduler, model, a } = setup();
    let settled = false;
    a.transaction(async (tx) => {
      await tx.query('insert into business (message_id) values ($1)', ['m1']);
      await scheduler.sleep(100);
    }).then(
      () => (settled = true),
      () => (settled = true),
    );
    scheduler.schedule(() => a.kill(), 50);
    await scheduler.run(10_000, 1_000);
    expect(model.committedKeys('business')).toEqual([]);
    expect(settled).toBe(false);
  });
});
