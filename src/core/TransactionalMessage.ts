/**
 * A message to send transactionally, as users write it. `sendHalf` validates it into a
 * `ValidMessage` before anything reaches the broker.
 */
export interface TransactionalMessage {
  /** RocketMQ topic of type TRANSACTION: `^[%|a-zA-Z0-9_-]+$`, at most 127 characters. */
  readonly topic: string;
  /** Bytes, or a string sent as UTF-8. At most 4 MiB minus 64 KiB (room for the check-back envelope). */
  readonly body: Uint8Array | string;
  /** One tag; not blank and without `|` (which is the subscription separator). */
  readonly tag?: string;
  /** Lookup keys; each not blank and without whitespace. */
  readonly keys?: readonly string[];
  /** User properties; system-reserved names (`UNIQ_KEY`, `TAGS`, …) are rejected. */
  readonly properties?: Readonly<Record<string, string>>;
  /** Always rejected: a transactional message cannot be delayed. */
  readonly deliveryDelayMs?: number;
  /** Always rejected: a transactional message cannot be delayed. */
  readonly deliveryTimestamp?: Date;
  /** Always rejected: a transactional message cannot be a FIFO message. */
  readonly messageGroup?: string;
  /** Always rejected: a transactional message has no priority. */
  readonly priority?: number;
}

/** A message that passed validation: the body is bytes, keys and properties are present. */
export interface ValidMessage {
  readonly topic: string;
  readonly body: Uint8Array;
  readonly tag?: string;
  readonly keys: readonly string[];
  readonly properties: Readonly<Record<string, string>>;
}

/** Largest body accepted: gRPC's 4 MiB default receive size less room for the check-back envelope. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024 - 64 * 1024;
