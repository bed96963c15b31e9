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
  /** A write of the records table failed; called with each string it carried (message ids among them). */
  readonly failedWrite?: (value: string) => void;
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

/** The SQL store's expression for the database clock in ms. */
const NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint';

/** Index of the parenthesis closing the one at 0. */
function closes(e: string): number {
  let depth = 0;
  for (let i = 0; i < e.length; i++) {
    if (e[i] === '(') depth++;
    else if (e[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

/** Splits at `sep` outside parentheses and quotes. */
function splitTop(e: string, sep: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let from = 0;
  for (let i = 0; i < e.length; i++) {
    const c = e[i];
    if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && e.startsWith(sep, i)) {
      out.push(e.slice(from, i));
      from = i + sep.length;
      i += sep.length - 1;
    }
  }
  out.push(e.slice(from));
  return out;
}

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

  /** Statements the model did not understand: a run with any is not a valid run. */
  readonly misunderstood: string[] = [];

  private async statement(tx: Tx, text: string, params: unknown[]): Promise<{ rows: Row[] }> {
    try {
      return await this.execute(tx, text, params);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('SQL model:')) {
        this.misunderstood.push(error.message);
      } else if (/^insert into rocketmq_rx_transactions\b/.test(text.trim())) {
        for (const p of params) if (typeof p === 'string') this.config.failedWrite?.(p);
      }
      throw error;
    }
  }

  private async execute(tx: Tx, text: string, params: unknown[]): Promise<{ rows: Row[] }> {
    // The database's clock (the store measures ages on it) is virtual time.
    const sql = text.replace(/\s+/g, ' ').trim().replaceAll(NOW_MS, '__now__');
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
      if (t === '__now__') return this.config.scheduler.now();
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
    // Added nullable columns: a row written before them reads them as null (see `select`).
    if (is(/^alter table (\w+) (add column if not exists \w+ \w+(?:, )?)+$/)) {
      this.table(m[1] as string);
      return { rows: [] };
    }
    if (/^select pg_advisory_xact_lock\(/.test(sql)) return { rows: [{}] };
    if (
      is(
        /^insert into (\w+)(?: as (\w+))? \(([^)]*)\) values (.+?)(?: on conflict \((\w+)\) do (nothing|update set (.+?)))?(?: returning (.+))?$/,
      )
    ) {
      const name = m[1] as string;
      const table = this.table(name);
      const columns = (m[3] as string).split(',').map((c) => c.trim());
      const tuples = [...(m[4] as string).matchAll(/\(([^)]*)\)/g)].map((g) =>
        (g[1] as string).split(',').map(value),
      );
      const onConflict = m[6] === undefined ? undefined : m[6] === 'nothing' ? 'nothing' : (m[7] as string);
      const returning = m[8]?.split(',').map((c) => c.trim());
      const rows: Row[] = [];
      for (const tuple of tuples) {
        const row: Row = Object.fromEntries(columns.map((c, i) => [c, tuple[i]]));
        const written = await this.insert(tx, name, m[2], table, row, onConflict, value);
        if (written) rows.push(returning ? Object.fromEntries(returning.map((c) => [c, written[c]])) : {});
      }
      return { rows };
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
      return { rows: rows.map((r) => Object.fromEntries(columns.map((c) => [c, c in r ? r[c] : null]))) };
    }
    if (is(/^update (\w+) set (.+?)(?: where (.+))?$/)) {
      const name = m[1] as string;
      const assignments = (m[2] as string).split(',').map((a) => {
        const am = /^(\w+) = (.+)$/.exec(a.trim());
        if (!am) throw new Error(`SQL model: unsupported assignment ${a} in: ${sql}`);
        return [am[1] as string, am[2] as string] as const;
      });
      const where = m[3];
      const byKey = where && /^message_id = (\$\d+)(?: and |$)/.exec(where);
      const keys = byKey ? [String(value(byKey[1] as string))] : [...this.table(name).rows.keys()];
      for (const key of keys) {
        if (byKey) await this.waitForLock(tx, `${name}/${key}`);
        const row = this.visible(tx, name, key);
        if (!row || (where && !this.holds(where, undefined, row, {}, value))) continue;
        const updated: Row = { ...row };
        for (const [column, expr] of assignments)
          updated[column] = this.operand(expr, undefined, row, {}, value);
        this.write(tx, name, key, updated);
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

  /** Waits until no other open transaction holds the row lock. */
  private async waitForLock(tx: Tx, lock: string): Promise<void> {
    for (;;) {
      const holder = this.locks.get(lock);
      if (!holder || holder === tx || holder.state !== 'open') return;
      for (let t: Tx | undefined = holder; t; t = t.waitingFor) {
        if (t === tx) throw new Error('deadlock detected');
      }
      tx.waitingFor = holder;
      await new Promise<void>((resolve) => holder.waiters.push(resolve));
      tx.waitingFor = undefined;
      if (tx.conn.dead) return NEVER;
      if (tx.state !== 'open') throw new Error('current transaction is aborted');
    }
  }

  /** Inserts one row, waiting for another writer of its key; the row written, or undefined. */
  private async insert(
    tx: Tx,
    name: string,
    alias: string | undefined,
    table: Table,
    row: Row,
    onConflict: string | undefined,
    value: (token: string) => unknown,
  ): Promise<Row | undefined> {
    const pk = table.primaryKey;
    if (pk === undefined) {
      this.write(tx, name, String(table.nextKey++), row);
      return row;
    }
    const key = String(row[pk]);
    await this.waitForLock(tx, `${name}/${key}`);
    const existing = this.visible(tx, name, key);
    if (!existing) {
      this.write(tx, name, key, row);
      return row;
    }
    if (onConflict === undefined) throw new Error(`duplicate key value violates unique constraint (${key})`);
    if (onConflict === 'nothing') return undefined;
    const [assignments, where] = onConflict.split(/ where /);
    if (where !== undefined && !this.holds(where, alias ?? name, existing, row, value)) return undefined;
    const updated: Row = { ...existing };
    for (const a of splitTop(assignments as string, ',')) {
      const am = /^(\w+) = (.+)$/.exec(a.trim());
      if (!am) throw new Error(`SQL model: unsupported assignment ${a}`);
      updated[am[1] as string] = this.operand(am[2] as string, alias ?? name, existing, row, value);
    }
    this.write(tx, name, key, updated);
    return updated;
  }

  /** A `where`: `or`, `and`, parentheses, comparisons of columns, `excluded.` columns, values. */
  private holds(
    expr: string,
    alias: string | undefined,
    row: Row,
    incoming: Row,
    value: (token: string) => unknown,
  ): boolean {
    let e = expr.trim();
    while (e.startsWith('(') && e.endsWith(')') && closes(e) === e.length - 1) e = e.slice(1, -1).trim();
    const ors = splitTop(e, ' or ');
    if (ors.length > 1) return ors.some((x) => this.holds(x, alias, row, incoming, value));
    const ands = splitTop(e, ' and ');
    if (ands.length > 1) return ands.every((x) => this.holds(x, alias, row, incoming, value));
    const cm = /^(.+?) (=|<>|!=|<=|>=|<|>) (.+)$/.exec(e);
    if (!cm) throw new Error(`SQL model: unsupported condition ${e}`);
    const l = this.operand(cm[1] as string, alias, row, incoming, value);
    const r = this.operand(cm[3] as string, alias, row, incoming, value);
    switch (cm[2]) {
      case '=':
        return l === r;
      case '<>':
      case '!=':
        return l !== r;
      case '<=':
        return Number(l) <= Number(r);
      case '>=':
        return Number(l) >= Number(r);
      case '<':
        return Number(l) < Number(r);
      default:
        return Number(l) > Number(r);
    }
  }

  private operand(
    expr: string,
    alias: string | undefined,
    row: Row,
    incoming: Row,
    value: (token: string) => unknown,
  ): unknown {
    const t = expr.trim();
    const minus = splitTop(t, ' - ');
    if (minus.length === 2) {
      return (
        Number(this.operand(minus[0] as string, alias, row, incoming, value)) -
        Number(this.operand(minus[1] as string, alias, row, incoming, value))
      );
    }
    const coalesce = /^coalesce\((.*)\)$/.exec(t);
    if (coalesce) {
      for (const arg of splitTop(coalesce[1] as string, ',')) {
        const v = this.operand(arg, alias, row, incoming, value);
        if (v !== null && v !== undefined) return v;
      }
      return null;
    }
    if (t.startsWith('excluded.')) return incoming[t.slice('excluded.'.length)];
    const col = /^(?:(\w+)\.)?([a-z_]+)$/.exec(t);
    if (
      col &&
      (col[1] === undefined || col[1] === alias) &&
      col[2] !== '__now__' &&
      (col[2] as string) in row
    ) {
      return row[col[2] as string];
    }
    // A column of this row that it was written without (added by a later migration): null.
    if (col && col[1] !== undefined && col[1] === alias) return null;
    return value(t);
  }

  private write(tx: Tx, name: string, key: string, row: Row | null): void {
    const lock = `${name}/${key}`;
    this.locks.set(lock, tx);
    tx.writes.set(lock, { table: name, key, row });
  }
}
