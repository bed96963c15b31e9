import { EMPTY, of } from 'rxjs';
import { checkConfig } from '../core/internal/checkConfig.js';
import { isAbsentMarker, replaces } from '../core/internal/recordRules.js';
import type { RecordReason, StateStore, TransactionRecord } from '../core/StateStore.js';
import { activeTelemetry, type Telemetry } from '../core/Telemetry.js';
import type { TransactionState } from '../core/TransactionState.js';

/** Options of `memoryStateStore`. */
export interface MemoryStateStoreConfig {
  /**
   * How long a record is kept after its half was sent, at least, ms. A record is dropped only once
   * it is this old, so memory grows with the rate: about rate × retainMs records (~200 bytes
   * each; 1 000 tx/s for 10 minutes ≈ 600 000 records ≈ 120 MB). The default covers the broker's
   * check horizon with broker defaults (6 s transaction timeout + 15 checks × 30 s = 456 s).
   * Default 600 000 (10 minutes). Ignored when `maxRecords` is set.
   */
  readonly retainMs?: number;
  /**
   * A hard bound instead: the store holds the outcomes of the last `maxRecords` saves, oldest
   * dropped first, however young. Safe only if it is at least the peak rate × the broker's check
   * horizon (e.g. 1 000 tx/s × 456 s = 456 000): below that, a committed transaction whose end
   * call failed can be forgotten before its last check, and is then never delivered. A record
   * written twice takes two places until its older write is dropped. Default: no bound.
   */
  readonly maxRecords?: number;
  /**
   * Where records dropped while still `unknown` (their check-back will find nothing) are counted.
   * Default: the one set by `useTelemetry`.
   */
  readonly telemetry?: Telemetry;
}

/** A `StateStore` that also lets tests and tools read what it holds. */
export interface MemoryStateStore extends StateStore {
  /** A snapshot of every record, oldest write first. */
  records(): readonly TransactionRecord[];
  /** The record of a message id, synchronously; `undefined` when there is none (or it was dropped). */
  get(messageId: string): TransactionRecord | undefined;
  /** Records held (counted by walking the ring: for tests and tools, not for a hot path). */
  readonly size: number;
}

/**
 * A state store in this process's memory: for tests and for a single producer that accepts losing
 * its answers when it restarts (check-backs then find nothing and answer `unknown`). Everything it
 * returns is synchronous, so marble tests see no delay.
 *
 * Saving is the hot path (one per transaction), and many producers never read at all: check-backs
 * come only for transactions left unknown. So until the first read a save only writes its slot in
 * a ring of writes (grown while its oldest is within `retainMs`, or exactly `maxRecords`). The
 * first read (a check-back, `get`, `records`, `size`) indexes what the ring holds, once (about 45 ms for 100 000 writes), and from then on each save
 * indexes itself, so no later read waits for a backlog.
 */
export function memoryStateStore(config: MemoryStateStoreConfig = {}): MemoryStateStore {
  checkConfig('memoryStateStore config', [
    ['maxRecords', config.maxRecords, 'positiveInt'],
    ['retainMs', config.retainMs, 'nonNegative'],
  ]);
  // Bounded: a ring of exactly maxRecords. Otherwise the ring doubles whenever the write it would
  // overwrite is younger than retainMs, so a record leaves it only once the broker is done with it.
  const bounded = config.maxRecords !== undefined;
  const retainMs = config.retainMs ?? 600_000;
  let capacity = config.maxRecords ?? 1024;
  // Columns rather than the records themselves: a record kept past a garbage collection is copied
  // and promoted, and the strings and numbers of a record are all that needs keeping.
  const ids: string[] = []; // write w is in slot w % capacity
  const transactionIds: string[] = [];
  const topics: string[] = [];
  const states: TransactionState[] = [];
  const reasons: RecordReason[] = [];
  const sentAts: number[] = [];
  const updatedAts: number[] = [];
  const traceparents: (string | undefined)[] = [];
  const tracestates: (string | undefined)[] = [];
  const telemetry = activeTelemetry(config.telemetry);
  let written = 0; // writes so far
  let oldest = 0; // the oldest write held; write w is in slot w % capacity while oldest <= w < written
  let indexing = false; // set by the first read: from then on every save is indexed at once
  // The index, message id → number of its latest write, in two generations: `recent` takes every
  // write since `recentFrom`; once it has taken `capacity` of them and every write before it has
  // left the ring, it becomes `older`, and the previous `older` is dropped whole. A save is then one
  // map write, with no lookup or delete for the write it pushes out of the ring.
  let recent = new Map<string, number>();
  let older = new Map<string, number>();
  let recentFrom = 0;

  /** At the first read, folds the writes the ring holds into the index. */
  const startIndexing = () => {
    if (indexing) return;
    recentFrom = oldest;
    for (let w = recentFrom; w < written; w++) recent.set(ids[w % capacity] as string, w);
    indexing = true;
  };
  /** The number of the latest write of `messageId` still in the ring, if any. */
  const latestWrite = (messageId: string): number | undefined => {
    startIndexing();
    const w = recent.get(messageId) ?? older.get(messageId);
    return w !== undefined && w >= oldest ? w : undefined;
  };
  const at = (slot: number): TransactionRecord => {
    const record: TransactionRecord = {
      messageId: ids[slot] as string,
      transactionId: transactionIds[slot] as string,
      topic: topics[slot] as string,
      state: states[slot] as TransactionState,
      reason: reasons[slot] as RecordReason,
      sentAt: sentAts[slot] as number,
      updatedAt: updatedAts[slot] as number,
    };
    const traceparent = traceparents[slot];
    if (traceparent === undefined) return record;
    const tracestate = tracestates[slot];
    return tracestate === undefined ? { ...record, traceparent } : { ...record, traceparent, tracestate };
  };
  /** Reports write `w`, about to leave the ring, when it is the latest of a transaction still unknown. */
  const reportEviction = (t: Telemetry, w: number) => {
    const slot = w % capacity;
    if (states[slot] !== 'unknown') return;
    if (!indexing || (recent.get(ids[slot] as string) ?? older.get(ids[slot] as string)) === w) {
      t.storeEvicted('memory', 'unknown');
    }
  };
  const get = (messageId: string): TransactionRecord | undefined => {
    const w = latestWrite(messageId);
    return w === undefined ? undefined : at(w % capacity);
  };
  /** The latest write of each message id in the ring, oldest first. */
  const latestWrites = (): number[] => {
    const out: number[] = [];
    for (let w = oldest; w < written; w++) {
      if (latestWrite(ids[w % capacity] as string) === w) out.push(w);
    }
    return out;
  };

  const columns = [
    ids,
    transactionIds,
    topics,
    states,
    reasons,
    sentAts,
    updatedAts,
    traceparents,
    tracestates,
  ] as unknown[][];
  /** Doubles the ring, keeping every write it holds (write numbers, so the index, are unchanged). */
  const grow = () => {
    const next = capacity * 2;
    for (const column of columns) {
      const copy = column.slice();
      for (let w = oldest; w < written; w++) column[w % next] = copy[w % capacity];
    }
    capacity = next;
  };

  const write = (record: TransactionRecord) => {
    if (written - oldest >= capacity) {
      // The ring is full: the oldest write goes, unless it is still within the retention.
      if (!bounded && record.updatedAt - (sentAts[oldest % capacity] as number) < retainMs) grow();
      else {
        if (telemetry) reportEviction(telemetry, oldest);
        oldest++;
      }
    }
    const slot = written % capacity;
    ids[slot] = record.messageId;
    transactionIds[slot] = record.transactionId;
    topics[slot] = record.topic;
    states[slot] = record.state;
    reasons[slot] = record.reason;
    sentAts[slot] = record.sentAt;
    updatedAts[slot] = record.updatedAt;
    traceparents[slot] = record.traceparent;
    tracestates[slot] = record.tracestate;
    if (indexing) {
      // The older generation goes whole once all its writes have left the ring.
      if (written - recentFrom >= capacity && oldest >= recentFrom) {
        older = recent;
        recent = new Map();
        recentFrom = written;
      }
      recent.set(record.messageId, written);
    }
    written++;
  };

  return {
    save(record) {
      // A fence (rollbackAbsentAfterMs) is made by a read, so before the first read there is none
      // to respect and the save stays one slot write.
      if (!indexing || replaces(get(record.messageId), record)) write(record);
      // Done at once with nothing to say: EMPTY, which the operators take without subscribing.
      return EMPTY;
    },
    load: (messageId) => of(get(messageId)),
    fenceAbsent(absent, graceMs, now) {
      let current = get(absent.messageId);
      if (current && !isAbsentMarker(current)) return of(current);
      if (!current) {
        const marker: TransactionRecord = {
          messageId: absent.messageId,
          transactionId: absent.transactionId,
          topic: absent.topic,
          state: 'unknown',
          reason: 'absent',
          sentAt: absent.bornAt ?? 0,
          updatedAt: now,
        };
        write(marker);
        current = marker;
      }
      if (now - current.updatedAt < graceMs) return of(current);
      const rollback: TransactionRecord = { ...current, state: 'rollback', updatedAt: now };
      write(rollback);
      return of(rollback);
    },
    records: () => latestWrites().map((w) => at(w % capacity)),
    get,
    get size() {
      return latestWrites().length;
    },
  };
}
