import { EMPTY, of } from 'rxjs';
import { checkConfig } from './internal/checkConfig.js';
import type { RecordReason, StateStore, TransactionRecord } from './StateStore.js';
import type { TransactionState } from './TransactionState.js';

export interface MemoryStateStoreConfig {
  /**
   * Writes kept: the store holds the outcomes of the last `maxRecords` saves, oldest dropped first.
   * A record written twice (an outcome, then a late answer) takes two places until its older write
   * is dropped. Default 100 000.
   */
  readonly maxRecords?: number;
}

/** A `StateStore` that also lets tests and tools read what it holds. */
export interface MemoryStateStore extends StateStore {
  /** A snapshot of every record, oldest write first. */
  records(): readonly TransactionRecord[];
  get(messageId: string): TransactionRecord | undefined;
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
  let written = 0; // writes so far
  let indexing = false; // set by the first read: from then on every save is indexed at once
  const index = new Map<string, number>(); // message id → slot of its latest write

  /** At the first read, folds the writes the ring holds into the index. */
  const startIndexing = () => {
    if (indexing) return;
    for (let w = Math.max(0, written - capacity); w < written; w++)
      index.set(ids[w % capacity] as string, w % capacity);
    indexing = true;
  };
  const at = (slot: number): TransactionRecord => ({
    messageId: ids[slot] as string,
    transactionId: transactionIds[slot] as string,
    topic: topics[slot] as string,
    state: states[slot] as TransactionState,
    reason: reasons[slot] as RecordReason,
    sentAt: sentAts[slot] as number,
    updatedAt: updatedAts[slot] as number,
  });
  const get = (messageId: string): TransactionRecord | undefined => {
    startIndexing();
    const slot = index.get(messageId);
    return slot === undefined ? undefined : at(slot);
  };

  return {
    save(record) {
      const slot = written % capacity;
      const dropped = ids[slot];
      // The write being dropped leaves the index if it is still the latest of its message id.
      if (indexing && dropped !== undefined && index.get(dropped) === slot) index.delete(dropped);
      ids[slot] = record.messageId;
      transactionIds[slot] = record.transactionId;
      topics[slot] = record.topic;
      states[slot] = record.state;
      reasons[slot] = record.reason;
      sentAts[slot] = record.sentAt;
      updatedAts[slot] = record.updatedAt;
      written++;
      if (indexing) index.set(record.messageId, slot);
      // Done at once with nothing to say: EMPTY, which the operators take without subscribing.
      return EMPTY;
    },
    load: (messageId) => of(get(messageId)),
    records() {
      startIndexing();
      const out: TransactionRecord[] = [];
      for (let w = Math.max(0, written - capacity); w < written; w++) {
        const slot = w % capacity;
        if (index.get(ids[slot] as string) === slot) out.push(at(slot));
      }
      return out;
    },
    get,
    get size() {
      startIndexing();
      return index.size;
    },
  };
}
