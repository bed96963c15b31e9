import { EMPTY, of } from 'rxjs';
import { checkConfig } from '../core/internal/checkConfig.js';
import { isAbsentMarker, replaces } from '../core/internal/recordRules.js';
import type { RecordReason, StateStore, TransactionRecord } from '../core/StateStore.js';
import { activeTelemetry, type Telemetry } from '../core/Telemetry.js';
import type { TransactionState } from '../core/TransactionState.js';

export interface MemoryStateStoreConfig {
  /**
   * Writes kept: the store holds the outcomes of the last `maxRecords` saves, oldest dropped first.
   * A record written twice (an outcome, then a late answer) takes two places until its older write
   * is dropped. Default 100 000.
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
 * a ring of the last `maxRecords` writes. The first read (a check-back, `get`, `records`, `size`)
 * indexes what the ring holds, once (about 45 ms for 100 000 writes), and from then on each save
 * indexes itself, so no later read waits for a backlog.
 */
export function memoryStateStore(config: MemoryStateStoreConfig = {}): MemoryStateStore {
  checkConfig('memoryStateStore config', [['maxRecords', config.maxRecords, 'positiveInt']]);
  const capacity = config.maxRecords ?? 100_000;
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
  let written = 0; // writes so far; write w is in slot w % capacity while w >= written - capacity
  let indexing = false; // set by the first read: from then on every save is indexed at once
  // The index, message id → number of its latest write, in two generations: `recent` takes every
  // write since `recentFrom`; once it has taken `capacity` of them it becomes `older`, and the
  // previous `older`, all of whose writes have left the ring, is dropped whole. A save is then one
  // map write, with no lookup or delete for the write it pushes out of the ring.
  let recent = new Map<string, number>();
  let older = new Map<string, number>();
  let recentFrom = 0;

  /** At the first read, folds the writes the ring holds into the index. */
  const startIndexing = () => {
    if (indexing) return;
    recentFrom = Math.max(0, written - capacity);
    for (let w = recentFrom; w < written; w++) recent.set(ids[w % capacity] as string, w);
    indexing = true;
  };
  /** The number of the latest write of `messageId` still in the ring, if any. */
  const latestWrite = (messageId: string): number | undefined => {
    startIndexing();
    const w = recent.get(messageId) ?? older.get(messageId);
    return w !== undefined && w >= written - capacity ? w : undefined;
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
  /** Reports the write about to leave the ring when it is the latest of a transaction still unknown. */
  const reportEviction = (t: Telemetry, slot: number) => {
    if (states[slot] !== 'unknown') return;
    const w = written - capacity;
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
    for (let w = Math.max(0, written - capacity); w < written; w++) {
      if (latestWrite(ids[w % capacity] as string) === w) out.push(w);
    }
    return out;
  };

  const write = (record: TransactionRecord) => {
    const slot = written % capacity;
    if (telemetry && written >= capacity) reportEviction(telemetry, slot);
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
      if (written - recentFrom >= capacity) {
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
