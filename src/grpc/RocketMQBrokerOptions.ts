import type { ConnectionOptions } from '../core/ConnectionOptions.js';
import { ValidationError } from '../core/errors.js';
import { checkConfig } from '../core/internal/checkConfig.js';
import type { Logger } from '../core/Logger.js';
import type { Telemetry } from '../core/Telemetry.js';
import { validateTopic } from '../core/validateMessage.js';

export interface RocketMQBrokerOptions extends ConnectionOptions {
  /**
   * Every TRANSACTION topic this producer sends to. They are declared when it starts: the proxy
   * sends a topic's check-backs only to producers that declared it, so a topic first used later
   * would get no check-backs for minutes. Sending to any other topic is an `UndeclaredTopicError`.
   */
  readonly topics: readonly string[];
  /** Deadline of each request to the proxy, ms (≥ 1000). Default 3 000. */
  readonly requestTimeoutMs?: number;
  /** Deadline for connecting and verifying every topic, ms. Default 15 000. */
  readonly startupTimeoutMs?: number;
  /**
   * A check-back not answered within this many ms is left unanswered (the broker asks again at
   * its next check); a later answer is dropped. Default 10 000.
   */
  readonly checkAnswerTimeoutMs?: number;
  /** Check-backs waiting for an answer at most; more are left for the broker's next check. Default 1 000. */
  readonly maxPendingChecks?: number;
  /** How long `close()` waits for sends, end calls and check answers under way, ms. Default 10 000. */
  readonly drainTimeoutMs?: number;
  /**
   * Send halves and end transactions over the transport's own HTTP/2 session (the hot path) —
   * about twice the throughput of the official client's calls, at a fraction of their CPU.
   * `false` makes every call through rocketmq-client-nodejs. Startup, routes, heartbeats and
   * check-backs always go through it. Default true.
   */
  readonly hotPath?: boolean;
  /** Where the transport and the client report. Default: silent (nothing written anywhere). */
  readonly logger?: Logger;
  /** Where check-backs the transport leaves unanswered are counted. Default: the one set by `useTelemetry`. */
  readonly telemetry?: Telemetry;
  /**
   * Aborts the start: `rocketmqBroker` rejects with an `AbortedError` (its `cause` the signal's
   * reason) once what it had started is released. It has no effect once the broker is started.
   */
  readonly signal?: AbortSignal;
}

/** Every option checked at once: one `ValidationError` listing each issue. */
export function checkOptions(options: RocketMQBrokerOptions) {
  checkConfig('rocketmqBroker options', [
    ['requestTimeoutMs', options.requestTimeoutMs, 'timeoutMs'],
    ['startupTimeoutMs', options.startupTimeoutMs, 'timeoutMs'],
    ['checkAnswerTimeoutMs', options.checkAnswerTimeoutMs, 'timeoutMs'],
    ['maxPendingChecks', options.maxPendingChecks, 'positiveInt'],
    ['drainTimeoutMs', options.drainTimeoutMs, 'delayMs'],
  ]);
  const issues = [];
  if (
    typeof options.endpoints !== 'string' ||
    options.endpoints.trim() === '' ||
    options.endpoints.includes(';')
  ) {
    issues.push({ path: ['endpoints'], message: 'must be one host:port (the client cannot use a list)' });
  }
  if (options.requestTimeoutMs !== undefined && options.requestTimeoutMs < 1000) {
    issues.push({ path: ['requestTimeoutMs'], message: 'must be at least 1000 (the client refuses less)' });
  }
  if (options.hotPath !== undefined && typeof options.hotPath !== 'boolean') {
    issues.push({ path: ['hotPath'], message: 'must be true or false' });
  }
  if (!Array.isArray(options.topics) || options.topics.length === 0) {
    issues.push({
      path: ['topics'],
      message: 'must list at least one TRANSACTION topic (check-backs depend on it)',
    });
  } else {
    // One invalid name would make the proxy reject the whole settings stream: no check-backs at all.
    options.topics.forEach((topic, i) => {
      for (const issue of validateTopic(topic)) issues.push({ path: ['topics', i], message: issue.message });
    });
  }
  if (issues.length > 0) throw new ValidationError('rocketmqBroker options', issues);
}
