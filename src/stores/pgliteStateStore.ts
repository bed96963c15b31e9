import type { PGlite, Transaction } from '@electric-sql/pglite';
import { abortable, throwIfAborted } from '../core/internal/abortable.js';
import {
  type SqlDatabase,
  type SqlStateStore,
  type SqlStateStoreOptions,
  sqlStateStore,
} from './sqlStateStore.js';

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
  const database: SqlDatabase<Transaction> = {
    query: (text, params) => db.query(text, params),
    transaction: (work) => db.transaction((tx) => work(tx)),
    close: async () => {
      if (owned && !db.closed) await db.close();
    },
  };
  return sqlStateStore(database, options);
}
