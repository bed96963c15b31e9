/**
 * The crash harness: a producer process sends transactions whose local step writes a business
 * row in PostgreSQL (commit, rollback or failure, at random); it is SIGKILLed at a random moment
 * and restarted; once every check has happened, what the consumer received must be exactly the
 * committed business rows — nothing lost, nothing extra.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startCollector } from '../../examples/support/collect.js';
import { rng } from './rng.js';

const here = dirname(fileURLToPath(import.meta.url));

export interface CrashRunOptions {
  readonly endpoints: string;
  /** The producer's transport: the gRPC proxy (default) or remoting through `namesrv`. */
  readonly transport?: 'grpc' | 'remoting';
  readonly namesrv?: string;
  readonly topic: string;
  readonly pgUrl: string;
  readonly seed: number;
  readonly count: number;
  /** The broker's check settings, to know when every check has happened. */
  readonly timing: {
    readonly transactionTimeoutMs: number;
    readonly checkIntervalMs: number;
    readonly checkMax: number;
  };
}

export interface CrashRunReport {
  readonly seed: number;
  readonly killedAfter: number;
  readonly committedRows: readonly string[];
  readonly received: readonly string[];
  readonly duplicates: number;
  /** Committed by the killed process but never resolved by it: delivered through a check-back. */
  readonly recoveredByCheckBack: number;
  readonly missing: readonly string[];
  readonly extra: readonly string[];
  /** For each missing message, the check-back answers the restarted producer gave for it. */
  readonly missingAnswers: Readonly<Record<string, readonly string[]>>;
}

export interface Producer {
  readonly child: ChildProcess;
  readonly lines: string[];
  waitFor(predicate: (lines: string[]) => boolean, ms: number): Promise<void>;
  close(): Promise<void>;
}

export function startProducer(args: readonly string[]): Producer {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'producer.ts'), ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buffer = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    lines,
    async waitFor(predicate, ms) {
      const deadline = Date.now() + ms;
      while (!predicate(lines)) {
        if (child.exitCode !== null || child.signalCode !== null) {
          if (predicate(lines)) return;
          throw new Error(
            `producer exited (${child.exitCode ?? child.signalCode}):\n${lines.join('\n')}\n${stderr}`,
          );
        }
        if (Date.now() > deadline)
          throw new Error(`producer timed out:\n${lines.slice(-20).join('\n')}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.stdin?.end('close\n');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

export async function prepareTables(pgUrl: string, table: string) {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  await client.query(
    `create table if not exists ${table}_business (message_id text primary key, body text not null)`,
  );
  await client.end();
}

export async function committedRows(pgUrl: string, table: string, bodyPrefix = ''): Promise<string[]> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  const r = await client.query(`select message_id from ${table}_business where body like $1`, [
    `${bodyPrefix}%`,
  ]);
  await client.end();
  return r.rows.map((row) => row.message_id as string);
}

export async function dropTables(pgUrl: string, table: string) {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  for (const t of [table, `${table}_schema`, `${table}_business`])
    await client.query(`drop table if exists ${t}`);
  await client.end();
}

export function settleMs(timing: CrashRunOptions['timing']) {
  return timing.transactionTimeoutMs + (timing.checkMax + 2) * timing.checkIntervalMs + 2_000;
}

export async function runCrashSeed(options: CrashRunOptions): Promise<CrashRunReport> {
  const { endpoints, topic, pgUrl, seed, count } = options;
  // The producer's target (the consumer always reads over gRPC, independently of it).
  const target = options.transport === 'remoting' ? `remoting:${options.namesrv}` : endpoints;
  const table = `rx_crash_${seed}_${Date.now().toString(36)}`;
  await prepareTables(pgUrl, table);
  const consumer = await startCollector(endpoints, topic, `g_${table}`);
  const random = rng(seed);
  const killedAfter = 1 + Math.floor(random() * Math.max(1, count - 1));
  try {
    const first = startProducer(['run', target, topic, pgUrl, table, String(seed), String(count), 'g1']);
    await first.waitFor((l) => l.includes('ready'), 30_000);
    await first.waitFor(
      (l) => l.filter((x) => x.startsWith('sent')).length >= killedAfter || l.includes('done'),
      120_000,
    );
    first.child.kill('SIGKILL');
    const resolvedByFirst = first.lines.filter((x) => x === 'sent committed').length;
    // Restart at once: the new process answers the dead one's check-backs from the shared store.
    const second = startProducer([
      'run',
      target,
      topic,
      pgUrl,
      table,
      String(seed),
      String(Math.ceil(count / 4)),
      'g2',
    ]);
    const answersOf = (id: string) =>
      second.lines.filter((l) => l.startsWith(`answered ${id} `)).map((l) => l.split(' ').slice(2).join(' '));
    try {
      await second.waitFor((l) => l.includes('done'), 120_000);
      await new Promise((r) => setTimeout(r, settleMs(options.timing)));
    } finally {
      await second.close();
    }
    // Deliveries committed by the last checks may still be in flight to the consumer.
    await new Promise((r) => setTimeout(r, 3_000));
    const rows = await committedRows(pgUrl, table);
    const firstRows = await committedRows(pgUrl, table, 'g1-');
    const receivedAll = consumer.received.map((m) => m.messageId);
    const received = [...new Set(receivedAll)];
    const rowSet = new Set(rows);
    const receivedSet = new Set(received);
    return {
      seed,
      killedAfter,
      committedRows: rows,
      received,
      duplicates: receivedAll.length - received.length,
      recoveredByCheckBack: Math.max(0, firstRows.length - resolvedByFirst),
      missing: rows.filter((id) => !receivedSet.has(id)),
      extra: received.filter((id) => !rowSet.has(id)),
      missingAnswers: Object.fromEntries(
        rows.filter((id) => !receivedSet.has(id)).map((id) => [id, answersOf(id)]),
      ),
    };
  } finally {
    await consumer.stop();
    await dropTables(pgUrl, table);
  }
}
