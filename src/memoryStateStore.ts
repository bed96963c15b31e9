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
 * Saving is the hot path (one per transaction) and reading the rare one (a check-back), so a save
 * only appends to a ring of the last `maxRecords` writes; the index by message id catches up with
 * the ring when something reads. A hash-map write per save was most of what this store cost.
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
  let indexed = 0; // writes folded into `index` so far
  const index = new Map<string, number>(); // message id → slot of its latest write

  /** Folds the writes not yet indexed (and not yet overwritten) into the index. */
  const catchUp = () => {
    for (let w = Math.max(indexed, written - capacity); w < written; w++) {
      const slot = w % capacity;
      index.set(ids[slot] as string, slot);
    }
    indexed = written;
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
    catchUp();
    const slot = index.get(messageId);
    return slot === undefined ? undefined : at(slot);
  };

  return {
    save(record) {
      const slot = written % capacity;
      const dropped = ids[slot];
      // The write being dropped leaves the index only if it was indexed and still the latest of its id.
      if (dropped !== undefined && written - capacity < indexed && index.get(dropped) === slot) {
        index.delete(dropped);
      }
      ids[slot] = record.messageId;
      transactionIds[slot] = record.transactionId;
      topics[slot] = record.topic;
      states[slot] = record.state;
      reasons[slot] = record.reason;
      sentAts[slot] = record.sentAt;
      updatedAts[slot] = record.updatedAt;
      written++;
      // Done at once with nothing to say: EMPTY, which the operators take without subscribing.
      return EMPTY;
    },
    load: (messageId) => of(get(messageId)),
    records() {
      catchUp();
      const out: TransactionRecord[] = [];
      for (let w = Math.max(0, written - capacity); w < written; w++) {
        const slot = w % capacity;
        if (index.get(ids[slot] as string) === slot) out.push(at(slot));
      }
      return out;
    },
    get,
    get size() {
      catchUp();
      return index.size;
    },
  };
}
