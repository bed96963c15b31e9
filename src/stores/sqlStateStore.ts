import { Observable } from 'rxjs';
import type { CloseOptions } from '../core/CloseOptions.js';
import {
  AbsentRollbackError,
  InvalidStateError,
  LocalStepTimeoutError,
  StoreError,
  ValidationError,
} from '../core/errors.js';
import { abortable, throwIfAborted } from '../core/internal/abortable.js';
import { checkConfig } from '../core/internal/checkConfig.js';
import { drainLateAnswers } from '../core/lateAnswers.js';
import {
  type AbsentCheck,
  RecordReason,
  type StateStore,
  type TransactionRecord,
  withTraceContext,
} from '../core/StateStore.js';
import { activeTelemetry, type Telemetry } from '../core/Telemetry.js';
import type { Half } from '../core/Transaction.js';
import { isTransactionState, type TransactionState } from '../core/TransactionState.js';

/**
 * The SQL state store shared by the PGlite and PostgreSQL stores: one schema, one migration
 * path, group commit, retention, and the transaction-log pattern. It imports no driver; each store
 * module adapts its driver to `SqlDatabase`.
 */

/** A database session: something that runs a query (a connection, a transaction). */
export interface SqlSession {
  /** Runs one statement with `$1`-style parameters and resolves to its rows. */
  query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
}

/** What the SQL store needs from a driver. */
export interface SqlDatabase<Tx extends SqlSession = SqlSession> extends SqlSession {
  /**
   * Runs `work` in one database transaction: committed when it resolves, rolled back when it
   * throws. When `signal` aborts first, the transaction is ended without waiting for `work` (rolled
   * back, its connection discarded) and the call rejects with `signal.reason`.
   */
  transaction<T>(work: (tx: Tx) => Promise<T>, options?: { readonly signal?: AbortSignal }): Promise<T>;
  /** Releases the database, when the store owns it. */
  close(): Promise<void>;
}

/** Options of every SQL store. */
export interface SqlStateStoreOptions {
  /** Table of the records; letters, digits and `_`. Default `rocketmq_rx_transactions`. */
  readonly table?: string;
  /** Records not updated for this long are deleted. Default 7 days. */
  readonly retentionMs?: number;
  /** Records written by one statement at most (group commit). Default 500. */
  readonly maxBatch?: number;
  /**
   * How long `close()` waits for local steps still running after their stream ended (timed out
   * or unsubscribed) to have their answers recorded. Default 10 000 ms.
   */
  readonly drainTimeoutMs?: number;
  /** Where save and load durations are measured. Default: the one set by `useTelemetry`. */
  readonly telemetry?: Telemetry;
  /**
   * How long a write statement may take before the saves it holds fail (a retryable `StoreError`)
   * and the next statement starts: one hung statement (a lock wait, a dead connection) never
   * stops every later save, nor `close()`. The hung statement is abandoned, not cancelled; if it
   * commits later, a decided record is still never replaced by `unknown`. Default 10 000 ms.
   */
  readonly statementTimeoutMs?: number;
  /**
   * How long a `localStep`'s database transaction may stay open before the step ends with a
   * `LocalStepTimeoutError`: its transaction is rolled back, its connection discarded (never
   * returned to a pool), a `rollback` record is written and the step answers `rollback`.
   * Overridden per step by `localStep(work, { timeoutMs })`. Default 30 000 ms.
   */
  readonly localStepTimeoutMs?: number;
  /**
   * Aborts the creation: it rejects with an `AbortedError` (its `cause` the signal's reason), and
   * what it had opened is closed. No effect once the store is created.
   */
  readonly signal?: AbortSignal;
}

/** A durable state store in SQL, with the transaction-log pattern. */
export interface SqlStateStore<Tx extends SqlSession = SqlSession> extends StateStore {
  readonly table: string;
  /**
   * The transaction-log pattern: a local step whose business writes and whose outcome record
   * commit or roll back together, in one database transaction — there is no moment when one
   * exists without the other. `work(tx, half)` does the business writes through `tx` and answers:
   *
   * - `commit` (or nothing): the transaction commits with a `commit` record;
   * - `rollback`, or a throw: the database transaction is rolled back, a `rollback` record is
   *   written, and the step answers `rollback` (a throw is handed to `onError`);
   * - `unknown`: the writes commit with an `unknown` record.
   *
   * When the database commit itself fails, whether it happened is not known: the step errors
   * (the transaction is left `unknown`) and the check-back answers from what the database holds —
   * the record if it committed, nothing otherwise (`rollbackAbsentAfterMs` then rolls it back).
   * Use it without `store` in `executeLocal`/`transactional`: the record is already written.
   */
  localStep(
    work: (tx: Tx, half: Half) => Promise<TransactionState | undefined>,
    options?: {
      readonly onError?: (error: unknown, half: Half) => void;
      /** The step's deadline; default the store's `localStepTimeoutMs`. */
      readonly timeoutMs?: number;
    },
  ): (half: Half) => Promise<TransactionState>;
  /** Deletes records older than the retention now; resolves to how many were deleted. */
  purgeExpired(now?: number): Promise<number>;
  /** Writes and statements so far, to see group commit at work. */
  stats(): { readonly saves: number; readonly flushes: number };
  /**
   * Waits for the answers of local steps still running after their stream ended (up to
   * `drainTimeoutMs`, see `drainLateAnswers`) and for pending writes — or until `options.signal`
   * fires: the writes still go on, but `close` no longer waits for them —, then releases the
   * database if the store opened it. Saves are refused from then on. Idempotent: every call
   * returns the same promise.
   */
  close(options?: CloseOptions): Promise<void>;
  /** `close()`, for `await using store = await …StateStore(…)`. Idempotent; never throws. */
  [Symbol.asyncDispose](): Promise<void>;
}

const MIGRATIONS: ReadonlyArray<(table: string) => readonly string[]> = [
  (t) => [
    `create table if not exists ${t} (
      message_id text primary key,
      transaction_id text not null,
      topic text not null,
      state text not null check (state in ('commit', 'rollback', 'unknown')),
      reason text not null,
      sent_at bigint not null,
      updated_at bigint not null
    )`,
    `create index if not exists ${t}_updated_at on ${t} (updated_at)`,
  ],
  // The half's trace context, so a check-back answered from the record links to its trace.
  (t) => [
    `alter table ${t} add column if not exists traceparent text, add column if not exists tracestate text`,
  ],
];

const COLUMNS = 'message_id, transaction_id, topic, state, reason, sent_at, updated_at';
/** Every column: the record's, and the half's trace context (migration 2). */
const ALL_COLUMNS = `${COLUMNS}, traceparent, tracestate`;

interface Row {
  message_id: string;
  transaction_id: string;
  topic: string;
  state: TransactionState;
  reason: RecordReason;
  sent_at: number | string;
  updated_at: number | string;
  traceparent: string | null;
  tracestate: string | null;
}

interface Pending {
  readonly record: TransactionRecord;
  readonly done: () => void;
  readonly fail: (error: unknown) => void;
}

/** Creates the schema (versioned, serialised between instances) and returns the store. */
export async function sqlStateStore<Tx extends SqlSession>(
  db: SqlDatabase<Tx>,
  options: SqlStateStoreOptions = {},
): Promise<SqlStateStore<Tx>> {
  checkConfig('state store options', [
    ['drainTimeoutMs', options.drainTimeoutMs, 'delayMs'],
    ['statementTimeoutMs', options.statementTimeoutMs, 'timeoutMs'],
  ]);
  const table = options.table ?? 'rocketmq_rx_transactions';
  if (!/^[a-z_][a-z0-9_]{0,40}$/.test(table)) {
    throw new ValidationError('state store options', [
      {
        path: ['table'],
        message: 'must be lower-case letters, digits and _ (at most 41), starting with a letter or _',
      },
    ]);
  }
  const retentionMs = options.retentionMs ?? 7 * 24 * 3600_000;
  const maxBatch = options.maxBatch ?? 500;
  const drainTimeoutMs = options.drainTimeoutMs ?? 10_000;
  const telemetry = activeTelemetry(options.telemetry);
  const statementTimeoutMs = options.statementTimeoutMs ?? 10_000;
  const localStepTimeoutMs = options.localStepTimeoutMs ?? 30_000;
  const what = 'Creating the state store';
  try {
    throwIfAborted(options.signal, what);
    // The migration cannot be stopped half-way (it is one database transaction); the database is
    // released once it has settled.
    await abortable(migrate(db, table), options.signal, what);
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }

  let queue: Pending[] = [];
  let flushing: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  let closed = false; // set once late answers are drained: from then on saves are refused
  // Set when a close() signal fired: close stops waiting for answers and writes under way.
  let stopped = false;
  let stopWaiting: (() => void) | undefined;
  let lastPurge = Date.now();
  let purging: Promise<unknown> | undefined;
  const counts = { saves: 0, flushes: 0 };

  const upsert = async (session: SqlSession, records: readonly TransactionRecord[]) => {
    const params: unknown[] = [];
    const values = records.map((r) => {
      const base = params.length;
      params.push(
        r.messageId,
        r.transactionId,
        r.topic,
        r.state,
        r.reason,
        Math.round(r.sentAt),
        Math.round(r.updatedAt),
        r.traceparent ?? null,
        r.tracestate ?? null,
      );
      return `($${base + 1}, $${base + 2}, $${base + 3}, $${base + 4}, $${base + 5}, $${base + 6}, $${base + 7}, $${base + 8}, $${base + 9})`;
    });
    // The rule of recordRules.replaces, in SQL: PostgreSQL's row lock orders this write against a
    // check-back's fence, whichever transaction comes first.
    const r = await session.query<{ message_id: string }>(
      `insert into ${table} as t (${ALL_COLUMNS}) values ${values.join(', ')}
       on conflict (message_id) do update set transaction_id = excluded.transaction_id, topic = excluded.topic,
         state = excluded.state, reason = excluded.reason, updated_at = excluded.updated_at,
         traceparent = coalesce(excluded.traceparent, t.traceparent),
         tracestate = coalesce(excluded.tracestate, t.tracestate)
       where t.state = 'unknown' or (excluded.state <> 'unknown' and t.reason <> '${RecordReason.Absent}')
       returning message_id`,
      params,
    );
    return r.rows.length;
  };

  // The database's clock, in ms: ages of absent records are measured on it alone.
  const NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint';
  const fenceAbsent = (absent: AbsentCheck, graceMs: number): Promise<TransactionRecord> =>
    db.transaction(async (tx) => {
      // Waits for a local step's own uncommitted insert of this row, if there is one.
      await tx.query(
        `insert into ${table} (${COLUMNS}) values ($1, $2, $3, 'unknown', '${RecordReason.Absent}', $4, ${NOW_MS})
         on conflict (message_id) do nothing`,
        [absent.messageId, absent.transactionId, absent.topic, Math.round(absent.bornAt ?? 0)],
      );
      await tx.query(
        `update ${table} set state = 'rollback', updated_at = ${NOW_MS}
         where message_id = $1 and state = 'unknown' and reason = '${RecordReason.Absent}'
           and updated_at <= ${NOW_MS} - $2`,
        [absent.messageId, Math.round(graceMs)],
      );
      const r = await tx.query<Row>(`select ${ALL_COLUMNS} from ${table} where message_id = $1`, [
        absent.messageId,
      ]);
      return toRecord(r.rows[0] as Row);
    });

  // A failed statement is written again in halves (a statement of one record once more), so one
  // bad write fails alone and a transient failure is retried: at most 3n - 1 statements for n
  // records. A statement that timed out is not split: its halves would wait on the same lock.
  const write = async (batch: readonly Pending[], attempt: number): Promise<void> => {
    // One statement cannot update a row twice: the last write of a transaction wins.
    const latest = new Map<string, TransactionRecord>();
    for (const p of batch) latest.set(p.record.messageId, p.record);
    try {
      counts.flushes++;
      await bounded(upsert(db, [...latest.values()]), statementTimeoutMs, 'writing the records');
      for (const p of batch) p.done();
    } catch (error) {
      if (error instanceof DeadlineExceeded || (latest.size === 1 && attempt > 1)) {
        for (const p of batch) p.fail(error);
      } else if (latest.size === 1) {
        await write(batch, attempt + 1);
      } else {
        const ids = [...latest.keys()];
        const first = new Set(ids.slice(0, Math.ceil(ids.length / 2)));
        await write(
          batch.filter((p) => first.has(p.record.messageId)),
          attempt + 1,
        );
        await write(
          batch.filter((p) => !first.has(p.record.messageId)),
          attempt + 1,
        );
      }
    }
  };

  // Group commit: saves made while a statement runs are written together by the next one, and
  // each save is acknowledged only once the statement holding it has committed.
  const flush = async () => {
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      await write(batch, 1);
    }
    // Beside the flush, never inside it: a slow purge (a lock on an old row) delays no save.
    if (!purging && Date.now() - lastPurge > 60_000) {
      lastPurge = Date.now();
      purging = purgeExpired()
        .catch(() => 0)
        .finally(() => {
          purging = undefined;
        });
    }
  };
  const schedule = () => {
    // Started on a microtask, so every save of this tick joins the batch; a save that arrives
    // after the flush has looked at the queue for the last time starts the next one.
    flushing ??= Promise.resolve()
      .then(flush)
      .finally(() => {
        flushing = undefined;
        if (queue.length > 0) schedule();
      });
  };

  const purgeExpired = async (now = Date.now()) => {
    const r = await db.query<{ n: number }>(
      `with gone as (delete from ${table} where updated_at < $1 returning 1) select count(*)::int as n from gone`,
      [Math.round(now - retentionMs)],
    );
    return Number(r.rows[0]?.n ?? 0);
  };

  const toRecord = (row: Row): TransactionRecord => ({
    messageId: row.message_id,
    transactionId: row.transaction_id,
    topic: row.topic,
    state: row.state,
    reason: row.reason,
    sentAt: Number(row.sent_at),
    updatedAt: Number(row.updated_at),
    ...(row.traceparent === null ? {} : { traceparent: row.traceparent }),
    ...(row.tracestate === null ? {} : { tracestate: row.tracestate }),
  });

  const recordOf = (half: Half, state: TransactionState): TransactionRecord =>
    withTraceContext(
      {
        messageId: half.messageId,
        transactionId: half.transactionId,
        topic: half.message.topic,
        state,
        reason: RecordReason.LocalStep,
        sentAt: half.sentAt,
        updatedAt: Date.now(),
      },
      half.message.properties,
    );

  const store: SqlStateStore<Tx> = {
    table,
    save(record) {
      return new Observable<void>((subscriber) => {
        if (closed) {
          subscriber.error(
            new StoreError('The state store is closed', { context: { messageId: record.messageId } }),
          );
          return;
        }
        counts.saves++;
        const startedAt = telemetry ? Date.now() : 0;
        queue.push({
          record,
          done: () => {
            if (telemetry) measured(telemetry, 'save', startedAt);
            subscriber.next();
            subscriber.complete();
          },
          fail: (error) => {
            const typed = new StoreError(`Writing the record failed: ${String(error)}`, {
              cause: error,
              context: { messageId: record.messageId, topic: record.topic },
            });
            if (telemetry) measured(telemetry, 'save', startedAt, typed);
            subscriber.error(typed);
          },
        });
        schedule();
        // Unsubscribing does not withdraw the write: a record must not be half-written.
      });
    },
    fenceAbsent: (absent, graceMs) => fenceAbsent(absent, graceMs),
    load(messageId) {
      const loading = db
        .query<Row>(`select ${ALL_COLUMNS} from ${table} where message_id = $1`, [messageId])
        .then((r) => (r.rows[0] ? toRecord(r.rows[0]) : undefined));
      if (!telemetry) return loading;
      const startedAt = Date.now();
      loading.then(
        () => measured(telemetry, 'load', startedAt),
        (error: unknown) => measured(telemetry, 'load', startedAt, error),
      );
      return loading;
    },
    localStep(work, stepOptions) {
      return async (half: Half): Promise<TransactionState> => {
        let reachedCommit = false;
        let answer: TransactionState | undefined;
        try {
          const deadline = new AbortController();
          const timeoutMs = stepOptions?.timeoutMs ?? localStepTimeoutMs;
          const timer = setTimeout(
            () =>
              deadline.abort(
                new LocalStepTimeoutError(
                  `The local step's database transaction was still open after ${timeoutMs} ms; it was rolled back`,
                  {
                    context: {
                      topic: half.message.topic,
                      messageId: half.messageId,
                      transactionId: half.transactionId,
                    },
                  },
                ),
              ),
            timeoutMs,
          );
          return await db
            .transaction(
              async (tx) => {
                const state = (await work(tx, half)) ?? 'commit';
                if (!isTransactionState(state)) throw new InvalidStateError(state);
                answer = state;
                if (state === 'rollback') throw ROLLBACK;
                if ((await upsert(tx, [recordOf(half, state)])) === 0) {
                  // A check-back answered rollback first (no record past rollbackAbsentAfterMs).
                  throw new AbsentRollbackError(
                    'A check-back answered rollback before the local step recorded its outcome; its work was rolled back',
                    {
                      context: {
                        topic: half.message.topic,
                        messageId: half.messageId,
                        transactionId: half.transactionId,
                      },
                    },
                  );
                }
                reachedCommit = true;
                return state;
              },
              { signal: deadline.signal },
            )
            .finally(() => clearTimeout(timer));
        } catch (error) {
          if (reachedCommit) throw error; // the commit itself failed: whether it happened is unknown
          // Everything the step wrote was rolled back with the database transaction.
          if (!(error instanceof AbsentRollbackError)) {
            await upsert(db, [recordOf(half, 'rollback')]).catch(() => undefined);
          }
          if (!(error === ROLLBACK && answer === 'rollback')) stepOptions?.onError?.(error, half);
          return 'rollback';
        }
      };
    },
    purgeExpired,
    stats: () => ({ ...counts }),
    close(closeOptions) {
      closing ??= (async () => {
        const stop = new Promise<void>((resolve) => {
          stopWaiting = resolve;
        });
        // Steps that outlived their stream may still answer: their records come first.
        await Promise.race([drainLateAnswers(store, { timeoutMs: drainTimeoutMs }), stop]);
        closed = true;
        while (flushing && !stopped) await Promise.race([flushing, stop]);
        if (purging && !stopped)
          await Promise.race([bounded(purging, drainTimeoutMs, 'purging').catch(() => undefined), stop]);
        // A statement still hung holds its connection: the release is bounded too.
        await bounded(db.close(), drainTimeoutMs, 'releasing the database').catch(() => undefined);
      })();
      const signal = closeOptions?.signal;
      const cut = () => {
        stopped = true;
        stopWaiting?.();
      };
      if (signal?.aborted) cut();
      else signal?.addEventListener('abort', cut, { once: true });
      return closing;
    },
    [Symbol.asyncDispose]: () => store.close().catch(() => undefined),
  };
  return store;
}

const ROLLBACK = Symbol('rollback');

function measured(
  telemetry: Telemetry,
  operation: 'save' | 'load',
  startedAt: number,
  error?: unknown,
): void {
  telemetry.storeOperation({
    kind: 'sql',
    operation,
    startedAt,
    at: Date.now(),
    ...(error === undefined ? {} : { error }),
  });
}

class DeadlineExceeded extends Error {}

/** `promise`, or a rejection once `ms` passed (the work itself goes on, abandoned). */
function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(`${what} did not finish within ${ms} ms`)), ms);
  });
  promise.catch(() => undefined); // an abandoned statement's late failure is nobody's to handle
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

async function migrate(db: SqlDatabase, table: string): Promise<void> {
  await db.transaction(async (tx) => {
    // Serialises instances starting at once against one database.
    await tx.query('select pg_advisory_xact_lock(hashtext($1))', [table]);
    await tx.query(`create table if not exists ${table}_schema (version int not null)`);
    const r = await tx.query<{ version: number }>(`select version from ${table}_schema`);
    const current = r.rows[0]?.version ?? 0;
    for (let v = current; v < MIGRATIONS.length; v++) {
      for (const statement of (MIGRATIONS[v] as (t: string) => readonly string[])(table))
        await tx.query(statement);
    }
    if (r.rows.length === 0)
      await tx.query(`insert into ${table}_schema (version) values ($1)`, [MIGRATIONS.length]);
    else if (current < MIGRATIONS.length)
      await tx.query(`update ${table}_schema set version = $1`, [MIGRATIONS.length]);
  });
}
