import type { Half, HalfReceipt, StateStore, ValidMessage } from '../../src/index.js';
import type { VirtualBroker } from '../../src/testing/index.js';
import type { CheckRouter } from './CheckRouter.js';
import type { Schedule, TxPlan } from './Schedule.js';
import type { SimScheduler } from './SimScheduler.js';
import type { SqlModel } from './SqlModel.js';

/** What every simulated producer shares: time, the broker, the stores, and the run's records. */
export interface World {
  readonly schedule: Schedule;
  readonly scheduler: SimScheduler;
  readonly broker: VirtualBroker;
  readonly router: CheckRouter;
  /** One memory store per topic (memory schedules), shared by the producers. */
  readonly memoryStores: readonly StateStore[];
  /** The shared database (sql schedules). */
  readonly sql: SqlModel | undefined;
  topic(index: number): string;
  /** The plan of the transaction a half belongs to (its body names it). */
  planOf(half: Half): TxPlan;
  /** The business work of a transaction committed (plain steps: the step answered commit). */
  commitWork(messageId: string, producer: number): void;
  /** The broker stored a half (the producer may never hear of it). */
  sent(message: ValidMessage, receipt: HalfReceipt): void;
  /** Transaction `index` was handed to its producer. */
  expect(index: number, tx: TxPlan): void;
  /** A close that must settle before the run ends. */
  closing(what: string, done: Promise<unknown>): void;
  /** `tx3(vm-4)`: a message id with the transaction it carries. */
  label(messageId: string): string;
  trace(line: string): void;
}
