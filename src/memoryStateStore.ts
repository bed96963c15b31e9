import { of } from 'rxjs';
import { evictOldest } from './internal/evictOldest.js';
import type { StateStore, TransactionRecord } from './StateStore.js';

export interface MemoryStateStoreConfig {
  /** Records kept at most; the oldest are dropped first. Default 100 000. */
  readonly maxRecords?: number;
}

/** A `StateStore` that also lets tests and tools read what it holds. */
export interface MemoryStateStore extends StateStore {
  /** A snapshot of every record, oldest first. */
  records(): readonly TransactionRecord[];
  get(messageId: string): TransactionRecord | undefined;
  readonly size: number;
}

/**
 * A state store in this process's memory: for tests and for a single producer that accepts losing
 * its answers when it restarts (check-backs then find nothing and answer `unknown`). Everything it
 * returns is synchronous, so marble tests see no delay.
 */
export function memoryStateStore(config: MemoryStateStoreConfig = {}): MemoryStateStore {
  const maxRecords = config.maxRecords ?? 100_000;
  const map = new Map<string, TransactionRecord>();
  const written = of(undefined); // shared: a save is synchronous and says nothing but "done"
  return {
    save(record) {
      map.delete(record.messageId); // re-insert: keeps eviction order by last write
      map.set(record.messageId, record);
      if (map.size > maxRecords) evictOldest(map, maxRecords);
      return written;
    },
    load(messageId) {
      return of(map.get(messageId));
    },
    records: () => [...map.values()],
    get: (messageId) => map.get(messageId),
    get size() {
      return map.size;
    },
  };
}
