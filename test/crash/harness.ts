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
  /** Which path of the transport the producers use. Default true (the hot path). */
  readonly hotPath?: boolean;
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
  /** How long after the kill the restarted producer was registered and answering, in ms. */
  readonly restartMs: number;
  /** The restarted producer's startup phases, as it printed them. */
  readonly restartPhases: string;
  /** One line per missing message saying why it was missed (see `diagnose`). */
  readonly diagnosis: readonly string[];
}

/**
 * Why a committed message was never delivered, from what the producers printed: the restarted
 * producer came up after the broker's last check of it, or it was up in time and still no check
 * reached it (the proxy sent them elsewhere), or it was asked and answered (a store problem).
 */
export function diagnose(
  id: string,
  facts: {
    readonly stepAt: number | undefined;
    readonly killedAt: number;
    readonly readyAt: number;
    readonly checks: number;
    readonly answers: readonly string[];
    readonly timing: CrashRunOptions['timing'];
  },
): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const restart = facts.readyAt - facts.killedAt;
  if (facts.checks > 0) {
    return `${id}: asked ${facts.checks} times by the restarted producer, answered [${facts.answers.join(', ')}]`;
  }
  if (facts.stepAt === undefined) return `${id}: never asked; no step time was printed for it`;
  const { transactionTimeoutMs, checkIntervalMs, checkMax } = facts.timing;
  // The broker's last check of a half comes no later than this after its send.
  const windowClose = facts.stepAt + transactionTimeoutMs + checkMax * checkIntervalMs;
  if (facts.readyAt >= windowClose) {
    return `${id}: restart took ${s(restart)}, window ${s(windowClose - facts.killedAt)} after the kill`;
  }
  return `${id}: checks went elsewhere: the restarted producer was up ${s(restart)} after the kill, ${s(windowClose - facts.readyAt)} before the window closed, and no check reached it`;
}

const timeOf = (lines: readonly string[], prefix: string, id?: string): number | undefined => {
  const line = lines.find((l) => l.startsWith(id === undefined ? `${prefix} ` : `${prefix} ${id} `));
  const t = Number(line?.split(' ').at(-1));
  return Number.isFinite(t) ? t : undefined;
};

export interface Producer {
  readonly child: ChildProcess;
  readonly lines: string[];
  waitFor(predicate: (lines: string[]) => boolean, ms: number): Promise<void>;
  close(): Promise<void>;
}

/** `hotPath: false` makes the producer use the transport's official path alone. */
export function startProducer(args: readonly string[], { hotPath = true } = {}): Producer {
  const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'producer.ts'), ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, RX_HOT_PATH: hotPath ? '1' : '0' },
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

/**
 * Waits until no check can deliver anything any more: every committed row has been received and
 * the broker has stopped asking (no check-back for three intervals, so every half is resolved or
 * discarded), or else until the broker's whole check window has passed.
 */
async function settle(
  lines: readonly string[],
  received: () => readonly { messageId: string }[],
  rows: () => Promise<string[]>,
  timing: CrashRunOptions['timing'],
): Promise<void> {
  const start = Date.now();
  const deadline = start + settleMs(timing);
  // The restarted producer's own unresolved halves are first checked after the timeout.
  const earliest = start + timing.transactionTimeoutMs + 2 * timing.checkIntervalMs;
  const quietMs = 3 * timing.checkIntervalMs;
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    const now = Date.now();
    if (now > deadline) return;
    if (now < earliest) continue;
    const lastCheck = lines.reduce((t, l) => (l.startsWith('check ') ? Number(l.split(' ')[2]) : t), 0);
    if (now - lastCheck < quietMs) continue;
    const got = new Set(received().map((m) => m.messageId));
    if ((await rows()).every((id) => got.has(id))) return;
  }
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
    const path = { hotPath: options.hotPath ?? true };
    const first = startProducer(
      ['run', target, topic, pgUrl, table, String(seed), String(count), 'g1'],
      path,
    );
    await first.waitFor((l) => l.some((x) => x.startsWith('ready ')), 30_000);
    await first.waitFor(
      (l) => l.filter((x) => x.startsWith('sent')).length >= killedAfter || l.includes('done'),
      120_000,
    );
    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    const resolvedByFirst = first.lines.filter((x) => x === 'sent committed').length;
    // Restart at once: the new process answers the dead one's check-backs from the shared store.
    const second = startProducer(
      ['run', target, topic, pgUrl, table, String(seed), String(Math.ceil(count / 4)), 'g2'],
      path,
    );
    const answersOf = (id: string) =>
      second.lines.filter((l) => l.startsWith(`answered ${id} `)).map((l) => l.split(' ').slice(2).join(' '));
    try {
      await second.waitFor((l) => l.some((x) => x.startsWith('ready ')), 60_000);
      await second.waitFor((l) => l.includes('done'), 120_000);
      await settle(
        second.lines,
        () => consumer.received,
        () => committedRows(pgUrl, table),
        options.timing,
      );
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
    const missing = rows.filter((id) => !receivedSet.has(id));
    // A commit answered for a message without a row is an extra even if its delivery is still on
    // its way when the run ends.
    const committedByCheck = second.lines
      .map((l) => l.split(' '))
      .filter(([what, , state]) => what === 'answered' && state === 'commit')
      .map(([, id]) => id as string);
    const extra = [...new Set([...received, ...committedByCheck])].filter((id) => !rowSet.has(id));
    const readyAt = timeOf(second.lines, 'ready') ?? Number.POSITIVE_INFINITY;
    return {
      seed,
      killedAfter,
      committedRows: rows,
      received,
      duplicates: receivedAll.length - received.length,
      recoveredByCheckBack: Math.max(0, firstRows.length - resolvedByFirst),
      missing,
      extra,
      missingAnswers: Object.fromEntries(missing.map((id) => [id, answersOf(id)])),
      restartMs: readyAt - killedAt,
      restartPhases: second.lines.find((l) => l.startsWith('startup '))?.slice(8) ?? '',
      diagnosis: missing.map((id) =>
        diagnose(id, {
          stepAt: timeOf(first.lines, 'step', id),
          killedAt,
          readyAt,
          checks: second.lines.filter((l) => l.startsWith(`check ${id} `)).length,
          answers: answersOf(id),
          timing: options.timing,
        }),
      ),
    };
  } finally {
    await consumer.stop();
    await dropTables(pgUrl, table);
  }
}
