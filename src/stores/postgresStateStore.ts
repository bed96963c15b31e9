import type { Pool, PoolClient, PoolConfig } from 'pg';
import { abortable, throwIfAborted } from '../core/internal/abortable.js';
import {
  type SqlDatabase,
  type SqlStateStore,
  type SqlStateStoreOptions,
  sqlStateStore,
} from './sqlStateStore.js';
import { untilAborted } from './untilAborted.js';

/** Options of `postgresStateStore`. */
export interface PostgresStateStoreOptions extends SqlStateStoreOptions {
  /** `postgresql://user@host:port/database`. Ignored when `pool` is given. */
  readonly connectionString?: string | undefined;
  /** Connections of the store's own pool. Default 4. */
  readonly maxConnections?: number;
  /** A pg Pool to use (the store then does not end it), e.g. your application's own. */
  readonly pool?: Pool;
}

/**
 * A durable state store in PostgreSQL, through `pg`: shared by every producer instance of a
 * topic, so whichever of them the broker asks answers from the same truth. `localStep` writes the
 * outcome in the same database transaction as your business data.
 *
 * @example
 * ```ts
 * import { postgresStateStore } from 'rocketmq-rx';
 *
 * const store = await postgresStateStore({ connectionString: process.env.DATABASE_URL });
 * ```
 */
export async function postgresStateStore(
  options: PostgresStateStoreOptions = {},
): Promise<SqlStateStore<PoolClient>> {
  const what = 'Creating the PostgreSQL state store';
  throwIfAborted(options.signal, what);
  // Loaded here, so that importing rocketmq-rx never requires pg.
  const pg = (await abortable(import('pg'), options.signal, what)).default;
  const config: PoolConfig = {
    max: options.maxConnections ?? 4,
    ...(options.connectionString ? { connectionString: options.connectionString } : {}),
  };
  const pool = options.pool ?? new pg.Pool(config);
  const owned = options.pool === undefined;
  // An idle client's error (the server restarted, say) must not crash the process.
  if (owned) pool.on('error', () => {});
  const database: SqlDatabase<PoolClient> = {
    query: (text, params) => pool.query(text, params) as Promise<never>,
    async transaction(work, transactionOptions) {
      const signal = transactionOptions?.signal;
      signal?.throwIfAborted();
      const client = await pool.connect();
      // Set when the client must not go back to the pool: pg destroys a client released with one.
      let broken: Error | undefined;
      let released = false;
      try {
        await client.query('begin');
        const result = await untilAborted(work(client), signal);
        await client.query('commit');
        return result;
      } catch (error) {
        if (signal?.aborted && error === signal.reason) {
          // `work` still holds the connection (a query in flight): a rollback would queue behind
          // it. Ending the server session rolls the transaction back and frees its locks now.
          broken = error instanceof Error ? error : new Error(String(error));
          const pid = (client as unknown as { processID?: number }).processID;
          client.release(broken);
          released = true;
          if (pid) await pool.query('select pg_terminate_backend($1)', [pid]).catch(() => undefined);
        } else {
          await client.query('rollback').catch((rollbackError: unknown) => {
            broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
          });
        }
        throw error;
      } finally {
        if (!released) client.release(broken);
      }
    },
    close: async () => {
      if (owned) await pool.end();
    },
  };
  return sqlStateStore(database, options);
}
