/**
 * Check-backs over remoting: each CHECK_TRANSACTION_STATE becomes a `CheckBack` on one hot
 * stream, bounded in number and in the time to answer it, and its answer goes as END to the
 * connection that asked, naming the copy of the half this check was about.
 */
import { defer, EMPTY, from, Subject, throwError } from 'rxjs';
import type { CheckBack } from '../core/BrokerPort.js';
import { ClosedError } from '../core/errors.js';
import { evictOldest } from '../core/internal/evictOldest.js';
import type { Logger } from '../core/Logger.js';
import type { TransactionState } from '../core/TransactionState.js';
import { TransactionType } from './codes.js';
import type { RemotingCommand } from './RemotingCommand.js';
import type { RemotingConnection } from './RemotingConnection.js';
import { readCheckBack } from './readCheckBack.js';
import { sendEndTransaction } from './sendEndTransaction.js';

export interface CheckBackHandlerConfig {
  readonly producerGroup: string;
  readonly maxPendingChecks: number;
  readonly answerTimeoutMs: number;
  readonly logger: Logger;
  readonly isClosing: () => boolean;
  /** Counts the answer as work under way, for close() to drain. */
  readonly track: <T>(work: Promise<T>) => Promise<T>;
}

export class CheckBackHandler {
  readonly checks = new Subject<CheckBack>();
  private readonly pending = new Map<string, number>(); // check key → answer deadline
  // messageId → whether a commit of it is confirmed (pending while one is under way).
  private readonly committed = new Map<string, Promise<boolean>>();

  constructor(private readonly config: CheckBackHandlerConfig) {}

  /** Records the outcome of a commit of `messageId`, sent by the producer or by an answer. */
  remember(messageId: string, confirmed: Promise<boolean>): void {
    this.committed.delete(messageId);
    this.committed.set(messageId, confirmed);
    if (this.committed.size > 100_000) evictOldest(this.committed, 100_000);
  }

  onCheck(command: RemotingCommand, connection: RemotingConnection): void {
    const { logger, isClosing } = this.config;
    if (isClosing()) return;
    const now = Date.now();
    for (const [key, deadline] of this.pending) {
      if (deadline > now) break;
      this.pending.delete(key);
    }
    if (this.pending.size >= this.config.maxPendingChecks) {
      logger.warn('check-back shed: too many waiting for an answer', { pending: this.pending.size });
      return;
    }
    const c = readCheckBack(command, logger);
    const { topic, messageId, transactionId } = c;
    const context = { topic, messageId, transactionId };
    const key = `${messageId}/${c.commitLogOffset}/${now}`;
    const deadline = now + this.config.answerTimeoutMs;
    this.pending.set(key, deadline);
    const answer = (type: number) =>
      sendEndTransaction(connection, context, {
        producerGroup: this.config.producerGroup,
        queueOffset: c.tranStateTableOffset,
        commitLogOffset: c.commitLogOffset,
        type,
        fromCheck: true,
        topic,
        brokerName: c.brokerName,
        oneway: false,
      });
    let answered = false;
    const check: CheckBack = {
      topic,
      messageId,
      transactionId,
      ...(c.message ? { message: c.message } : {}),
      ...(c.bornAt === undefined ? {} : { bornAt: c.bornAt }),
      deadline,
      answer: (state: TransactionState) =>
        defer(() => {
          this.pending.delete(key);
          // Unknown sends nothing (the broker gives no answer to it, and asks again anyway) and
          // leaves the check to any other answerer.
          if (answered || (state !== 'commit' && state !== 'rollback')) return EMPTY;
          answered = true;
          if (isClosing()) {
            return throwError(
              () => new ClosedError('Closing: check-back answers are no longer sent', { context }),
            );
          }
          // Late is still worth sending: the copy this check names stays findable by its offsets,
          // and a refusal comes back as a typed error, never silence.
          if (Date.now() > deadline) {
            logger.debug('check-back answered after checkAnswerTimeoutMs', { messageId, transactionId });
          }
          if (state === 'rollback') return from(this.config.track(answer(TransactionType.Rollback)));
          // Each check names a fresh copy of the half, and committing any copy writes the message:
          // a check that overtook an earlier commit (a slow answer, a late client end) would
          // deliver it twice. Once a commit is confirmed, a later copy is only dropped.
          const prior = this.committed.get(messageId);
          const answering = (prior ?? Promise.resolve(false)).then((done) =>
            answer(done ? TransactionType.Rollback : TransactionType.Commit),
          );
          this.remember(
            messageId,
            answering.then(
              () => true,
              () => prior ?? false,
            ),
          );
          return from(this.config.track(answering));
        }),
    };
    logger.debug('check-back', context);
    this.checks.next(check);
  }

  close(): void {
    this.checks.complete();
    this.pending.clear();
    this.committed.clear();
  }
}
