import { vi } from 'vitest';
import type { BrokerPort } from '../../src/index.js';

/**
 * What a scenario needs from a broker under test. The virtual broker and the RocketMQ transport
 * each provide one, so the very same scenarios run on both.
 */
export interface ScenarioHarness {
  /** The broker port under test. */
  readonly broker: BrokerPort;
  /** A TRANSACTION topic that only this scenario uses. */
  readonly topic: string;
  /** The broker's check settings, so scenarios know how long to wait. */
  readonly timing: {
    readonly transactionTimeoutMs: number;
    readonly checkIntervalMs: number;
    readonly checkMax: number;
  };
  /** Message ids a consumer of `topic` has received so far. */
  received(): readonly ReceivedMessage[];
  /** Releases what the harness holds (consumer, producer). */
  close(): Promise<void>;
}

export interface ReceivedMessage {
  readonly messageId: string;
  readonly body: string;
  readonly properties: Readonly<Record<string, string>>;
}

/** Time within which every check the broker will ever make for a half sent now has happened. */
export function settleTime(h: ScenarioHarness): number {
  const t = h.timing;
  return t.transactionTimeoutMs + (t.checkMax + 2) * t.checkIntervalMs;
}

export async function waitUntil(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  await vi.waitFor(
    () => {
      if (!predicate()) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    },
    { timeout: timeoutMs, interval: 20 },
  );
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
