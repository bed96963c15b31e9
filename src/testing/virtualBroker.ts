import {
  asyncScheduler,
  defer,
  Observable,
  type SchedulerLike,
  Subject,
  type Subscription,
  timer,
} from 'rxjs';
import { map } from 'rxjs/operators';
import type { BrokerPort, CheckBack, EndTransactionRequest, HalfReceipt } from '../core/BrokerPort.js';
import { BrokerUnavailableError, TopicNotFoundError, TransactionNotFoundError } from '../core/errors.js';
import { evictOldest } from '../core/internal/evictOldest.js';
import type { ValidMessage } from '../core/TransactionalMessage.js';
import type { TransactionState } from '../core/TransactionState.js';
import { validateMessage } from '../core/validateMessage.js';

/**
 * Settings of the virtual broker. Defaults are the real Apache RocketMQ 5 server's.
 */
export interface VirtualBrokerConfig {
  /** Drives every delay and check. Default `asyncScheduler`; pass the TestScheduler in marble tests. */
  readonly scheduler?: SchedulerLike;
  /** A half younger than this is not checked yet (broker `transactionTimeOut`). Default 6 000 ms. */
  readonly transactionTimeoutMs?: number;
  /** Time between check passes (broker `transactionCheckInterval`). Default 30 000 ms. */
  readonly checkIntervalMs?: number;
  /** Checks before a half is discarded, never delivered (broker `transactionCheckMax`). Default 15. */
  readonly checkMax?: number;
  /**
   * How long after the send an end call is still accepted (the 5.x proxy's
   * `transactionDataExpireMillis`); later ones fail with `TransactionNotFoundError`. Default 30 000 ms.
   */
  readonly transactionDataLifetimeMs?: number;
  /** Time a half send takes. Default 0 (answers synchronously). */
  readonly sendLatencyMs?: number;
  /** Time an end call or a check answer takes. Default 0. */
  readonly endLatencyMs?: number;
  /** TRANSACTION topics that exist; sends to others fail with `TopicNotFoundError`. Default: any. */
  readonly topics?: readonly string[];
  /** Delivered and discarded messages kept for `delivered()` / `discarded()`. Default 1 000. */
  readonly retain?: number;
  /**
   * Ended transactions remembered for end calls that come after the first: a check sent before
   * the end leaves the proxy an entry of transaction data that takes one more end without effect
   * (a check racing a commit); with none left a repeated end is refused with
   * `TransactionNotFoundError`, as the 5.x proxy does. The
   * oldest are forgotten first beyond this. Default 1 000 (a repeated end comes within moments).
   */
  readonly rememberEnded?: number;
}

/** A message the broker made visible to consumers. */
export interface DeliveredMessage {
  readonly messageId: string;
  readonly transactionId: string;
  readonly topic: string;
  readonly message: ValidMessage;
  /** Scheduler time of the commit. */
  readonly deliveredAt: number;
  /** Who committed it: the producer's end call, or the answer to a check-back. */
  readonly via: 'client' | 'check-back';
}

/** A half message dropped after `checkMax` checks without an answer: never delivered. */
export interface DiscardedHalf {
  readonly messageId: string;
  readonly transactionId: string;
  readonly topic: string;
  readonly message: ValidMessage;
  readonly discardedAt: number;
  readonly checks: number;
}

/** A half message that is neither committed, rolled back nor discarded yet. */
export interface PendingHalf {
  readonly messageId: string;
  readonly transactionId: string;
  readonly topic: string;
  readonly sentAt: number;
  readonly checks: number;
}

/** Faults to inject; each applies to the next `count` operations of its kind. */
export interface VirtualBrokerFaults {
  /** The next sends fail (default error: a retryable `BrokerUnavailableError`); nothing is stored. */
  failNextSends(count: number, error?: Error): void;
  /** The next sends take `ms` longer. */
  delayNextSends(count: number, ms: number): void;
  /** The next sends are stored, but the producer gets an error instead of the receipt (a lost reply). */
  loseNextSendReceipts(count: number, error?: Error): void;
  /** The next end calls fail (default: a retryable `BrokerUnavailableError`); nothing changes. */
  failNextEnds(count: number, error?: Error): void;
  /** The next end calls take `ms` longer. */
  delayNextEnds(count: number, ms: number): void;
  /** The next end calls take effect, but the producer gets an error instead of the reply (a lost reply). */
  loseNextEndReplies(count: number, error?: Error): void;
  /** The next check-backs are sent twice, back to back. */
  duplicateNextChecks(count: number): void;
  /** The next commits race a check: a check-back for the half is sent just before the commit lands. */
  raceNextCommits(count: number): void;
}

export interface VirtualBrokerStats {
  readonly sent: number;
  readonly committed: number;
  readonly rolledBack: number;
  readonly discarded: number;
  /** Check-backs sent to a producer. */
  readonly checks: number;
  /** Check-backs due while no producer listened (lost for that pass, still counted by the broker). */
  readonly lostChecks: number;
  readonly endCalls: number;
}

/** An in-memory model of RocketMQ 5's transaction semantics, driven by an RxJS scheduler. */
export interface VirtualBroker extends BrokerPort {
  /** Every delivered message, as it is delivered (hot). */
  readonly delivered$: Observable<DeliveredMessage>;
  /** Every discarded half, as it is discarded (hot). */
  readonly discarded$: Observable<DiscardedHalf>;
  /** The last `retain` delivered messages. */
  delivered(): readonly DeliveredMessage[];
  /** The last `retain` discarded halves. */
  discarded(): readonly DiscardedHalf[];
  /** Halves still waiting for an end, a check answer or discard. */
  pending(): readonly PendingHalf[];
  /** Counts since the broker was created. */
  stats(): VirtualBrokerStats;
  readonly faults: VirtualBrokerFaults;
  /** Stops checking and completes every stream. */
  close(): void;
  /** `close()`, for `await using broker = virtualBroker(…)`. Idempotent; never throws. */
  [Symbol.asyncDispose](): Promise<void>;
}

interface Half {
  readonly messageId: string;
  readonly transactionId: string;
  readonly message: ValidMessage;
  readonly sentAt: number;
  checks: number;
  /**
   * The proxy's transaction data for it: one entry from the send, one more per check sent; each
   * end call (the producer's, or a check's answer) uses one up.
   */
  entries: number;
}

interface Fault {
  count: number;
  readonly error?: Error;
  readonly ms?: number;
}

/**
 * An in-memory RocketMQ 5 for tests: half messages are invisible until committed (`delivered$`);
 * rollback drops them; an unresolved half is checked at the first check pass at least
 * `transactionTimeoutMs` after its send, then at every pass (`checkIntervalMs` apart, counted from
 * the broker's creation, as the real broker's passes are), up to `checkMax` checks, and discarded
 * at the pass after that (`discarded$`). A check due while nobody subscribes to `checkBacks` is
 * lost for that pass but still counted, as on the real broker. An end call later than
 * `transactionDataLifetimeMs` after the send fails with `TransactionNotFoundError`, as the 5.x
 * proxy does, and so does a repeated end call once the first has used the transaction's data up.
 * Message ids are deterministic (`vm-1`, `vm-2`, … with transaction ids `vt-1`, …).
 *
 * @example
 * ```ts
 * import { TestScheduler } from 'rxjs/testing';
 * import { virtualBroker } from 'rocketmq-rx/testing';
 *
 * testScheduler.run(({ cold, expectObservable }) => {
 *   const broker = virtualBroker({ scheduler: testScheduler, transactionTimeoutMs: 20, checkIntervalMs: 10, checkMax: 3 });
 *   // … pipe messages through transactional(broker, step), assert on broker.delivered$
 * });
 * ```
 */
export function virtualBroker(config: VirtualBrokerConfig = {}): VirtualBroker {
  const scheduler = config.scheduler ?? asyncScheduler;
  const timeoutMs = config.transactionTimeoutMs ?? 6_000;
  const intervalMs = config.checkIntervalMs ?? 30_000;
  const checkMax = config.checkMax ?? 15;
  const lifetimeMs = config.transactionDataLifetimeMs ?? 30_000;
  const sendLatency = config.sendLatencyMs ?? 0;
  const endLatency = config.endLatencyMs ?? 0;
  const topics = config.topics ? new Set(config.topics) : undefined;
  const retain = config.retain ?? 1_000;
  const rememberEnded = config.rememberEnded ?? 1_000;
  const epoch = scheduler.now();

  const pending = new Map<string, Half>(); // insertion order is send order
  // Ended transactions whose data the proxy still holds entries of (a check sent before the end
  // added one): a later end call uses one up without effect; with none left it is refused.
  const ended = new Map<string, { readonly sentAt: number; spare: number }>();
  const checkSubject = new Subject<CheckBack>();
  const deliveredSubject = new Subject<DeliveredMessage>();
  const discardedSubject = new Subject<DiscardedHalf>();
  const deliveredLog: DeliveredMessage[] = [];
  const discardedLog: DiscardedHalf[] = [];
  let seq = 0;
  let closed = false;
  let pass: Subscription | undefined;
  const counts = {
    sent: 0,
    committed: 0,
    rolledBack: 0,
    discarded: 0,
    checks: 0,
    lostChecks: 0,
    endCalls: 0,
  };
  const faults = {
    failSend: [] as Fault[],
    delaySend: [] as Fault[],
    loseReceipt: [] as Fault[],
    failEnd: [] as Fault[],
    delayEnd: [] as Fault[],
    loseEndReply: [] as Fault[],
    duplicateCheck: [] as Fault[],
    raceCommit: [] as Fault[],
  };

  const take = (list: Fault[]): Fault | undefined => {
    const f = list[0];
    if (!f) return undefined;
    if (--f.count <= 0) list.shift();
    return f;
  };
  const keep = <T>(log: T[], item: T) => {
    log.push(item);
    if (log.length > retain * 2) log.splice(0, log.length - retain);
  };
  const unavailable = (what: string) =>
    new BrokerUnavailableError(`virtual broker: injected ${what} failure`);

  const schedulePass = () => {
    if (pass || closed) return;
    const elapsed = scheduler.now() - epoch;
    const delay = intervalMs - (elapsed % intervalMs);
    pass = scheduler.schedule(runPass, delay);
  };

  function runPass() {
    pass = undefined;
    const now = scheduler.now();
    // Deleting the current entry while iterating a Map is safe; answers may settle halves synchronously.
    for (const half of pending.values()) {
      if (now - half.sentAt < timeoutMs) break; // later halves are younger still
      if (half.checks >= checkMax) {
        pending.delete(half.messageId);
        counts.discarded++;
        const discarded: DiscardedHalf = {
          messageId: half.messageId,
          transactionId: half.transactionId,
          topic: half.message.topic,
          message: half.message,
          discardedAt: now,
          checks: half.checks,
        };
        keep(discardedLog, discarded);
        discardedSubject.next(discarded);
        continue;
      }
      half.checks++;
      emitCheck(half);
      if (take(faults.duplicateCheck)) emitCheck(half);
    }
    if (pending.size > 0) schedulePass();
  }

  function emitCheck(half: Half) {
    if (!checkSubject.observed) {
      counts.lostChecks++;
      return;
    }
    counts.checks++;
    half.entries++;
    let answered = false;
    const check: CheckBack = {
      topic: half.message.topic,
      messageId: half.messageId,
      transactionId: half.transactionId,
      message: {
        body: half.message.body,
        ...(half.message.tag === undefined ? {} : { tag: half.message.tag }),
        keys: half.message.keys,
        properties: half.message.properties,
      },
      bornAt: half.sentAt,
      checkCount: half.checks,
      deadline: scheduler.now() + intervalMs,
      answer: (state: TransactionState) =>
        later(endLatency, () => {
          // `unknown` sends nothing, so it leaves the check to another answerer, as on the proxy.
          if (answered || state === 'unknown') return;
          answered = true;
          const current = pending.get(half.messageId);
          if (current) settle(current, state, 'check-back');
          // A half already ended (a check racing a commit): the check's own entry takes the answer.
          else useSpare(half.messageId, half.message.topic, half.transactionId);
        }),
    };
    checkSubject.next(check);
  }

  function forgetExpired() {
    const now = scheduler.now();
    for (const [id, e] of ended) {
      if (now - e.sentAt <= lifetimeMs) break; // later entries were sent later
      ended.delete(id);
    }
  }

  /** An end call for a half already ended: accepted without effect while an entry is left. */
  function useSpare(messageId: string, topic: string, transactionId: string) {
    const done = ended.get(messageId);
    if (done && done.spare > 0 && scheduler.now() - done.sentAt <= lifetimeMs) {
      done.spare--;
      return;
    }
    // The first end removed the transaction's data, as the 5.x proxy does.
    throw new TransactionNotFoundError(`virtual broker: cannot find transaction data for ${messageId}`, {
      context: { topic, messageId, transactionId },
    });
  }

  function settle(half: Half, resolution: 'commit' | 'rollback', via: 'client' | 'check-back') {
    pending.delete(half.messageId);
    forgetExpired();
    ended.set(half.messageId, { sentAt: half.sentAt, spare: half.entries - 1 });
    if (ended.size > rememberEnded) evictOldest(ended, rememberEnded);
    if (resolution === 'rollback') {
      counts.rolledBack++;
      return;
    }
    counts.committed++;
    const delivered: DeliveredMessage = {
      messageId: half.messageId,
      transactionId: half.transactionId,
      topic: half.message.topic,
      message: half.message,
      deliveredAt: scheduler.now(),
      via,
    };
    keep(deliveredLog, delivered);
    deliveredSubject.next(delivered);
  }

  /** Runs `effect` after `ms` on the scheduler (synchronously when 0), as an Observable. */
  function later<T>(ms: number, effect: () => T): Observable<T> {
    if (ms > 0) return timer(ms, scheduler).pipe(map(effect));
    return new Observable<T>((subscriber) => {
      let value: T;
      try {
        value = effect();
      } catch (error) {
        subscriber.error(error);
        return;
      }
      subscriber.next(value);
      subscriber.complete();
    });
  }

  function sendHalf(message: ValidMessage): Observable<HalfReceipt> {
    return defer(() => {
      const fail = take(faults.failSend);
      const extra = take(faults.delaySend)?.ms ?? 0;
      const lose = take(faults.loseReceipt);
      return later(sendLatency + extra, () => {
        if (closed) throw new BrokerUnavailableError('virtual broker: closed');
        if (fail) throw fail.error ?? unavailable('send');
        // The real proxy's rules, applied to what reaches the port (a double or a caller that
        // skipped sendHalf): a message refused there is refused here, never stored.
        const checked = validateMessage(message);
        if (checked instanceof Error) throw checked;
        if (topics && !topics.has(message.topic)) {
          throw new TopicNotFoundError(`virtual broker: topic ${message.topic} does not exist`, {
            context: { topic: message.topic },
          });
        }
        seq++;
        const half: Half = {
          messageId: `vm-${seq}`,
          transactionId: `vt-${seq}`,
          message,
          sentAt: scheduler.now(),
          checks: 0,
          entries: 1,
        };
        pending.set(half.messageId, half);
        counts.sent++;
        schedulePass();
        if (lose) throw lose.error ?? unavailable('send receipt');
        return { messageId: half.messageId, transactionId: half.transactionId };
      });
    });
  }

  function endTransaction(request: EndTransactionRequest): Observable<void> {
    return defer(() => {
      const fail = take(faults.failEnd);
      const extra = take(faults.delayEnd)?.ms ?? 0;
      const loseReply = take(faults.loseEndReply);
      const race =
        request.resolution === 'commit' && request.source === 'client' ? take(faults.raceCommit) : undefined;
      if (race) {
        const half = pending.get(request.messageId);
        if (half) emitCheck(half);
      }
      return later(endLatency + extra, () => {
        counts.endCalls++;
        if (closed) throw new BrokerUnavailableError('virtual broker: closed');
        if (fail) throw fail.error ?? unavailable('end');
        const half = pending.get(request.messageId);
        const context = {
          topic: request.topic,
          messageId: request.messageId,
          transactionId: request.transactionId,
        };
        if (!half) {
          useSpare(request.messageId, request.topic, request.transactionId);
          return;
        }
        if (scheduler.now() - half.sentAt > lifetimeMs) {
          // The proxy keeps a transaction's data for a limited time only, and drops it once ended.
          throw new TransactionNotFoundError(
            `virtual broker: cannot find transaction data for ${request.messageId}`,
            { context },
          );
        }
        settle(half, request.resolution, 'client');
        if (loseReply) throw loseReply.error ?? unavailable('end reply');
      });
    });
  }

  const close = () => {
    if (closed) return;
    closed = true;
    pass?.unsubscribe();
    pass = undefined;
    checkSubject.complete();
    deliveredSubject.complete();
    discardedSubject.complete();
  };

  return {
    sendHalf,
    endTransaction,
    checkBacks: checkSubject.asObservable(),
    delivered$: deliveredSubject.asObservable(),
    discarded$: discardedSubject.asObservable(),
    delivered: () => deliveredLog.slice(-retain),
    discarded: () => discardedLog.slice(-retain),
    pending: () =>
      [...pending.values()].map((h) => ({
        messageId: h.messageId,
        transactionId: h.transactionId,
        topic: h.message.topic,
        sentAt: h.sentAt,
        checks: h.checks,
      })),
    stats: () => ({ ...counts }),
    faults: {
      failNextSends: (count, error) => faults.failSend.push({ count, ...(error ? { error } : {}) }),
      delayNextSends: (count, ms) => faults.delaySend.push({ count, ms }),
      loseNextSendReceipts: (count, error) => faults.loseReceipt.push({ count, ...(error ? { error } : {}) }),
      failNextEnds: (count, error) => faults.failEnd.push({ count, ...(error ? { error } : {}) }),
      delayNextEnds: (count, ms) => faults.delayEnd.push({ count, ms }),
      loseNextEndReplies: (count, error) => faults.loseEndReply.push({ count, ...(error ? { error } : {}) }),
      duplicateNextChecks: (count) => faults.duplicateCheck.push({ count }),
      raceNextCommits: (count) => faults.raceCommit.push({ count }),
    },
    close,
    [Symbol.asyncDispose]: async () => close(),
  };
}
