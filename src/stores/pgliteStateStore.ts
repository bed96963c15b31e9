import { AsyncLocalStorage } from 'node:async_hooks';
import type { PGlite, Transaction } from '@electric-sql/pglite';
import { SessionDeadlockError } from '../core/errors.js';
import { abortable, throwIfAborted } from '../core/internal/abortable.js';
import {
  type SqlDatabase,
  type SqlStateStore,
  type SqlStateStoreOptions,
  sqlStateStore,
} from './sqlStateStore.js';
import { untilAborted } from './untilAborted.js';

/** Options of `pgliteStateStore`. */
export interface PgliteStateStoreOptions extends SqlStateStoreOptions {
  /** Directory of the database; created when missing. Default: in memory (not durable). */
  readonly dataDir?: string;
  /** An open PGlite to use (the store then does not close it), e.g. your application's own. */
  readonly db?: PGlite;
}

/**
 * A durable state store in PGlite — PostgreSQL compiled to WebAssembly, in this process, in a
 * data directory; no server. The default for a single service: outcomes survive a restart, and
 * `localStep` writes them in the same database transaction as your business data.
 *
 * @example
 * ```ts
 * import { pgliteStateStore } from 'rocketmq-rx';
 *
 * const store = await pgliteStateStore({ dataDir: './data/outbox' });
 * ```
 */
export async function pgliteStateStore(
  options: PgliteStateStoreOptions = {},
): Promise<SqlStateStore<Transaction>> {
  const what = 'Creating the PGlite state store';
  throwIfAborted(options.signal, what);
  // Loaded here, so that importing rocketmq-rx never requires PGlite. Opening cannot be stopped:
  // a database opened after the abort is closed at once.
  const db =
    options.db ??
    (await abortable<PGlite>(
      import('@electric-sql/pglite').then((m): Promise<PGlite> => m.PGlite.create(options.dataDir)),
      options.signal,
      what,
      (late) => void late.close().catch(() => undefined),
    ));
  const owned = options.db === undefined;
  refuseQueriesInsideOwnTransaction(db);
  const database: SqlDatabase<Transaction> = {
    query: (text, params) => db.query(text, params),
    transaction: (work, transactionOptions) =>
      db.transaction(async (tx) => {
        const signal = transactionOptions?.signal;
        const open = { db, open: true };
        try {
          return await untilAborted(
            openTransactions.run(open, () => work(tx)),
            signal,
          );
        } catch (error) {
          // Ends the transaction now; PGlite then lets the next query in. `work` is abandoned.
          if (signal?.aborted && error === signal.reason && !tx.closed) await tx.rollback();
          throw error;
        } finally {
          open.open = false;
        }
      }),
    close: async () => {
      if (owned && !db.closed) await db.close();
    },
  };
  return sqlStateStore(database, options);
}

/** The transaction a piece of work runs inside, followed through its awaits. */
const openTransactions = new AsyncLocalStorage<{ readonly db: PGlite; open: boolean }>();
const guarded = new WeakSet<PGlite>();

/**
 * PGlite has one connection: a query on the instance waits until the open transaction ends, so a
 * query on it from inside a local step's own transaction would wait forever. Such a query fails
 * at once instead; queries from anywhere else wait their turn as before.
 */
function refuseQueriesInsideOwnTransaction(db: PGlite): void {
  if (guarded.has(db)) return;
  guarded.add(db);
  const exclusive = db._runExclusiveTransaction.bind(db);
  db._runExclusiveTransaction = <T>(fn: () => Promise<T>): Promise<T> => {
    const current = openTransactions.getStore();
    if (current?.open && current.db === db) {
      return Promise.reject(
        new SessionDeadlockError(
          "A query on the PGlite instance inside a local step's own transaction would wait for that transaction forever; run it through `tx`",
        ),
      );
    }
    return exclusive(fn);
  };
}
