import type { SqlDatabase, SqlSession } from '../../src/index.js';
import type { SimScheduler } from './SimScheduler.js';

/**
 * A PostgreSQL-like database in virtual time, for the statements the SQL state store and the
 * simulated business writes make. It models what the timing of a real server decides:
 *
 * - READ COMMITTED: a statement sees committed rows and its own transaction's writes, never another
 *   session's uncommitted ones (a check-back cannot see a `localStep` that is still open);
 * - row locks: an insert or upsert of a key another open transaction wrote waits for that
 *   transaction to end, then sees its outcome (this is what orders two writers of one record);
 *   a wait cycle fails one statement with a deadlock error, as PostgreSQL does;
 * - every statement takes the latency the schedule gives it (slow, failing and hung windows);
 *   a commit can fail before or after it took effect (the client cannot tell which);
 * - a killed connection (a crashed process) aborts its open transactions and never answers again;
 *   a closed one refuses new statements.
 *
 * A statement it does not know is an error naming it: the model never guesses.
 */
export interface SqlModelConfig {
  readonly scheduler: SimScheduler;
  /** Delay and failure of a statement starting now. */
  readonly statement: (now: number) => { readonly delayMs: number; readonly error?: Error };
  /** How the commit of a transaction that wrote these business keys fails, if it does. */
  readonly commitFault?: (businessKeys: readonly string[]) => 'before' | 'after' | undefined;
  readonly trace: (line: string) => void;
  /** A row became committed. */
  readonly onCommitted?: (table: string, key: string) => void;
}

type Row = Record<string, unknown>;

interface Table {
  readonly primaryKey: string | undefined;
  readonly rows: Map<string, Row>;
  nextKey: number;
}

interface Tx {
  readonly id: number;
  readonly conn: Connection;
  readonly writes: Map<string, { readonly table: string; readonly key: string; readonly row: Row | null }>;
  state: 'open' | 'committed' | 'aborted';
  waitingFor: Tx | undefined;
  readonly waiters: Array<() => void>;
}

interface Connection {
  readonly name: string;
  dead: boolean;
  closed: boolean;
  readonly open: Set<Tx>;
}

/** A connection handed to a store: `SqlDatabase` plus what a crash does to it. */
export interface SimDatabase extends SqlDatabase<SqlSession> {
  /** The process died: open transactions abort, nothing is answered any more. */
  kill(): void;
}

const NEVER: Promise<never> = new Promise(() => {});

export class SqlModel {
  private readonly tables = new Map<string, Table>();
  private readonly locks = new Map<string, Tx>();
  private txSeq = 0;

  constructor(private readonly config: SqlModelConfig) {}

  /** Keys of the committed rows of `table`. */
  committedKeys(table: string): string[] {
    return [...(this.tables.get(table)?.rows.keys() ?? [])];
  }

  committedRow(table: string, key: string): Row | undefined {
    return this.tables.get(table)?.rows.get(key);
  }

  connect(name: string): SimDatabase {
    const conn: Connection = { name, dead: false, closed: false, open: new Set() };
    return {
      query: async <R>(text: string, params: unknown[] = []) => {
        const tx = this.begin(conn);
        try {
          const result = await this.statement(tx, text, params);
          this.end(tx, 'committed');
          return result as { rows: R[] };
        } catch (error) {
          this.end(tx, 'aborted');
          throw error;
        }
      },
      transaction: async <T>(work: (tx: SqlSession) => Promise<T>) => {
        const tx = this.begin(conn);
        const session: SqlSession = {
          query: async <R>(text: string, params: unknown[] = []) =>
            (await this.statement(tx, text, params)) as { rows: R[] },
        };
        let result: T;
        try {
          result = await work(session);
        } catch (error) {
          if (!conn.dead) this.end(tx, 'aborted');
          throw error;
        }
        await this.latency(conn);
        if (tx.state !== 'open') throw new Error(`transaction ${tx.id} is no longer open`);
        const keys = [...tx.writes.values()].filter((w) => w.table === 'business').map((w) => w.key);
        const fault = this.config.commitFault?.(keys);
        if (fault === 'before') {
          this.end(tx, 'aborted');
          this.config.trace(`db: commit of tx ${tx.id} (${keys.join(',')}) failed, not committed`);
          throw new Error('connection terminated during commit');
        }
        this.end(tx, 'committed');
        if (fault === 'after') {
          this.config.trace(`db: commit of tx ${tx.id} (${keys.join(',')}) committed, reply lost`);
          throw new Error('connection terminated during commit');
        }
        return result;
      },
      close: async () => {
        conn.closed = true;
      },
      kill: () => {
        conn.dead = true;
        for (const tx of [...conn.open]) this.end(tx, 'aborted');
      },
    };
  }

  private begin(conn: Connection): Tx {
    if (conn.closed) throw new Error('Cannot use a pool after calling end on the pool');
    const tx: Tx = {
      id: ++this.txSeq,
      conn,
      writes: new Map(),
      state: 'open',
      waitingFor: undefined,
      waiters: [],
    };
    conn.open.add(tx);
    return tx;
  }

  private end(tx: Tx, state: 'committed' | 'aborted'): void {
    if (tx.state !== 'open') return;
    tx.state = state;
    tx.conn.open.delete(tx);
    for (const [lock, w] of tx.writes) {
      if (state === 'committed') {
        const table = this.table(w.table);
        if (w.row) table.rows.set(w.key, w.row);
        else table.rows.delete(w.key);
        if (w.row) this.config.onCommitted?.(w.table, w.key);
        if (w.table === 'business' && w.row) this.config.trace(`db: business row ${w.key} committed`);
      }
      if (this.locks.get(lock) === tx) this.locks.delete(lock);
    }
    for (const wake of tx.waiters.splice(0)) wake();
  }

  private async latency(conn: Connection): Promise<void> {
    if (conn.closed && !conn.dead) throw new Error('Cannot use a pool after calling end on the pool');
    const { delayMs, error } = this.config.statement(this.config.scheduler.now());
    if (delayMs > 0) await this.config.scheduler.sleep(delayMs);
    if (conn.dead) return NEVER;
    if (error) throw error;
  }

  private table(name: string): Table {
    let t = this.tables.get(name);
    if (!t) {
      t = { primaryKey: name === 'business' ? 'message_id' : undefined, rows: new Map(), nextKey: 0 };
      this.tables.set(name, t);
    }
    return t;
  }

  private visible(tx: Tx, table: string, key: string): Row | undefined {
    const own = tx.writes.get(`${table}/${key}`);
    if (own) return own.row ?? undefined;
    return this.tables.get(table)?.rows.get(key);
  }

  private async statement(tx: Tx, text: string, params: unknown[]): Promise<{ rows: Row[] }> {
    const sql = text.replace(/\s+/g, ' ').trim();
    // The store purges on a wall-clock timer: a purge takes no virtual time, so replays stay exact.
    if (!sql.startsWith('with gone as (delete')) await this.latency(tx.conn);
    if (tx.state !== 'open') throw new Error('current transaction is aborted');
    const value = (token: string): unknown => {
      const t = token.trim();
      const p = /^\$(\d+)$/.exec(t);
      if (p) return params[Number(p[1]) - 1];
      const lit = /^'(.*)'$/.exec(t);
      if (lit) return lit[1];
      if (/^-?\d+$/.test(t)) return Number(t);
      throw new Error(`SQL model: unsupported value ${t} in: ${sql}`);
    };
    // The match of the statement's form, set by `is`.
    let m = [] as unknown as RegExpExecArray;
    const is = (re: RegExp): boolean => {
      const found = re.exec(sql);
      if (found) m = found;
      return found !== null;
    };
    if (is(/^create table if not exists (\w+) \((.*)\)$/)) {
      const name = m[1] as string;
      if (!this.tables.has(name)) {
        const pk = /(\w+) \w+ primary key/.exec(m[2] as string)?.[1];
        this.tables.set(name, { primaryKey: pk, rows: new Map(), nextKey: 0 });
      }
      return { rows: [] };
    }
    if (/^create (unique )?index if not exists /.test(sql)) return { rows: [] };
    if (/^select pg_advisory_xact_lock\(/.test(sql)) return { rows: [{}] };
    if (
      is(
        /^insert into (\w+) \(([^)]*)\) values (.+?)(?: on conflict \((\w+)\) do (nothing|update set (.+)))?$/,
      )
    ) {
      const table = this.table(m[1] as string);
      const columns = (m[2] as string).split(',').map((c) => c.trim());
      const tuples = [...(m[3] as string).matchAll(/\(([^)]*)\)/g)].map((g) =>
        (g[1] as string).split(',').map(value),
      );
      let count = 0;
      for (const tuple of tuples) {
        const row: Row = Object.fromEntries(columns.map((c, i) => [c, tuple[i]]));
        const onConflict = m[5] === undefined ? undefined : m[5] === 'nothing' ? 'nothing' : (m[6] as string);
        if (await this.insert(tx, m[1] as string, table, row, onConflict)) count++;
      }
      return { rows: Array.from({ length: count }, () => ({})) };
    }
    if (is(/^select (.+?) from (\w+)(?: where (\w+) = (\S+))?( for update)?$/)) {
      const columns = (m[1] as string).split(',').map((c) => c.trim());
      const name = m[2] as string;
      const table = this.table(name);
      let rows: Row[];
      if (m[3] !== undefined) {
        const want = String(value(m[4] as string));
        if (m[3] !== table.primaryKey) throw new Error(`SQL model: lookup by a non-key column in: ${sql}`);
        const row = this.visible(tx, name, want);
        rows = row ? [row] : [];
      } else {
        rows = [...table.rows.keys()].map((k) => this.visible(tx, name, k)).filter((r): r is Row => !!r);
      }
      return { rows: rows.map((r) => Object.fromEntries(columns.map((c) => [c, r[c]]))) };
    }
    if (is(/^update (\w+) set (\w+) = (\S+)$/)) {
      const name = m[1] as string;
      for (const [key] of this.table(name).rows) {
        const row = this.visible(tx, name, key);
        if (row) this.write(tx, name, key, { ...row, [m[2] as string]: value(m[3] as string) });
      }
      return { rows: [] };
    }
    if (
      is(
        /^with gone as \(delete from (\w+) where updated_at < (\S+) returning 1\) select count\(\*\)::int as n from gone$/,
      )
    ) {
      const name = m[1] as string;
      const before = Number(value(m[2] as string));
      let n = 0;
      for (const [key, row] of this.table(name).rows) {
        if (this.locks.has(`${name}/${key}`)) continue; // a row being written is not old
        if (Number(row.updated_at) < before) {
          this.write(tx, name, key, null);
          n++;
        }
      }
      return { rows: [{ n }] };
    }
    throw new Error(`SQL model: unsupported statement: ${sql}`);
  }

  /** Inserts one row, waiting for another writer of its key; false when nothing was written. */
  private async insert(
    tx: Tx,
    name: string,
    table: Table,
    row: Row,
    onConflict: string | undefined,
  ): Promise<boolean> {
    const pk = table.primaryKey;
    if (pk === undefined) {
      this.write(tx, name, String(table.nextKey++), row);
      return true;
    }
    const key = String(row[pk]);
    const lock = `${name}/${key}`;
    for (;;) {
      const holder = this.locks.get(lock);
      if (!holder || holder === tx || holder.state !== 'open') break;
      for (let t: Tx | undefined = holder; t; t = t.waitingFor) {
        if (t === tx) throw new Error('deadlock detected');
      }
      tx.waitingFor = holder;
      await new Promise<void>((resolve) => holder.waiters.push(resolve));
      tx.waitingFor = undefined;
      if (tx.conn.dead) return NEVER;
      if (tx.state !== 'open') throw new Error('current transaction is aborted');
    }
    const existing = this.visible(tx, name, key);
    if (!existing) {
      this.write(tx, name, key, row);
      return true;
    }
    if (onConflict === undefined) throw new Error(`duplicate key value violates unique constraint (${key})`);
    if (onConflict === 'nothing') return false;
    const [assignments, where] = onConflict.split(/ where /);
    if (where !== undefined && !this.holds(name, where, existing, row)) return false;
    const updated: Row = { ...existing };
    for (const a of (assignments as string).split(',')) {
      const am = /^(\w+) = excluded\.(\w+)$/.exec(a.trim());
      if (!am) throw new Error(`SQL model: unsupported assignment ${a}`);
      updated[am[1] as string] = row[am[2] as string];
    }
    this.write(tx, name, key, updated);
    return true;
  }

  /** A conflict clause's `where`: conjunctions of `table.col (=|<>) 'literal' | excluded.col`. */
  private holds(name: string, where: string, existing: Row, incoming: Row): boolean {
    return where.split(/ and /).every((cond) => {
      const cm = new RegExp(`^(?:${name}\\.)?(\\w+) (=|<>|!=) (.+)$`).exec(cond.trim());
      if (!cm) throw new Error(`SQL model: unsupported condition ${cond}`);
      const left = existing[cm[1] as string];
      const rhs = (cm[3] as string).trim();
      const right = rhs.startsWith('excluded.')
        ? incoming[rhs.slice('excluded.'.length)]
        : /^'(.*)'$/.exec(rhs)?.[1];
      if (right === undefined) throw new Error(`SQL model: unsupported condition ${cond}`);
      return cm[2] === '=' ? left === right : left !== right;
    });
  }

  private write(tx: Tx, name: string, key: string, row: Row | null): void {
    const lock = `${name}/${key}`;
    this.locks.set(lock, tx);
    tx.writes.set(lock, { table: name, key, row });
  }
}
