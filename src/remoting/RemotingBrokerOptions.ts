import { ValidationError, type ValidationIssue } from '../core/errors.js';
import { checkConfig } from '../core/internal/checkConfig.js';
import type { Logger } from '../core/Logger.js';
import { validateTopic } from '../core/validateMessage.js';
import type { RemotingCredentials } from './signRequest.js';

/** How a remoting producer ends a transaction after its local step. */
export const EndCall = {
  /** Waits for the broker's answer: `Resolved` committed means the broker ended it. */
  TwoWay: 'two-way',
  /**
   * Writes the end call and does not wait, as the Java client does: `Resolved` committed means
   * the call left this process. A lost call is settled by the check-back, from the store — so
   * use it only with a durable store.
   */
  Oneway: 'oneway',
} as const;
export type EndCall = (typeof EndCall)[keyof typeof EndCall];

/** Options of `remotingBroker`. */
export interface RemotingBrokerOptions {
  /** Name servers, `host:port`, several separated by `;` (tried in turn). */
  readonly nameServer: string;
  /**
   * The producer group. The broker asks any live producer of the group about any of the group's
   * halves, so give it only to instances that share one state store. At most 255 characters.
   */
  readonly producerGroup: string;
  /**
   * Every topic this producer sends to, looked up at start (a missing one fails the start) and
   * kept routed. Sending to any other topic is an `UndeclaredTopicError`.
   */
  readonly topics: readonly string[];
  /** Access key and secret when the broker has authentication on. */
  readonly credentials?: RemotingCredentials;
  /** Deadline of each request, ms. Default 3 000. */
  readonly requestTimeoutMs?: number;
  /** Deadline for routes, connections and registration on every master, ms. Default 15 000. */
  readonly startupTimeoutMs?: number;
  /**
   * A check-back counts against `maxPendingChecks` for at most this many ms (its `deadline`); a
   * later answer is still sent. Default 10 000.
   */
  readonly checkAnswerTimeoutMs?: number;
  /** Check-backs waiting for an answer at most; more are left for the broker's next check. Default 1 000. */
  readonly maxPendingChecks?: number;
  /** How long `close()` waits for work under way, ms. Default 10 000. */
  readonly drainTimeoutMs?: number;
  /** Requests awaiting an answer per broker connection; more wait their turn. Default 1 024. */
  readonly maxInFlight?: number;
  /** Registration renewed this often, ms (brokers expire it after 120 s). Default 30 000. */
  readonly heartbeatIntervalMs?: number;
  /** Routes looked up again this often, ms. Default 30 000. */
  readonly routeRefreshMs?: number;
  /** How the producer's own end calls are sent (check-back answers always wait). Default `'two-way'`. */
  readonly endCall?: EndCall;
  /**
   * Rewrites a broker address the name server advertises (`brokerIP1:port`) into one this
   * process can reach — for brokers behind NAT or in containers. Default: as advertised.
   */
  readonly brokerAddress?: (advertised: string) => string;
  /** Where the transport reports. Default: silent. */
  readonly logger?: Logger;
}

const GROUP = /^[%|a-zA-Z0-9_-]+$/;

/** Every option checked at once: one `ValidationError` listing each issue. */
export function checkRemotingOptions(options: RemotingBrokerOptions): void {
  checkConfig('remotingBroker options', [
    ['requestTimeoutMs', options.requestTimeoutMs, 'timeoutMs'],
    ['startupTimeoutMs', options.startupTimeoutMs, 'timeoutMs'],
    ['checkAnswerTimeoutMs', options.checkAnswerTimeoutMs, 'timeoutMs'],
    ['maxPendingChecks', options.maxPendingChecks, 'positiveInt'],
    ['drainTimeoutMs', options.drainTimeoutMs, 'delayMs'],
    ['maxInFlight', options.maxInFlight, 'positiveInt'],
    ['heartbeatIntervalMs', options.heartbeatIntervalMs, 'timeoutMs'],
    ['routeRefreshMs', options.routeRefreshMs, 'timeoutMs'],
  ]);
  const issues: ValidationIssue[] = [];
  if (
    typeof options.nameServer !== 'string' ||
    options.nameServer.split(';').every((a) => !/^.+:\d+$/.test(a.trim()))
  ) {
    issues.push({ path: ['nameServer'], message: 'must be host:port, several separated by ;' });
  }
  if (
    typeof options.producerGroup !== 'string' ||
    options.producerGroup.length > 255 ||
    !GROUP.test(options.producerGroup)
  ) {
    issues.push({ path: ['producerGroup'], message: 'must be 1 to 255 characters of [%|a-zA-Z0-9_-]' });
  }
  if (options.endCall !== undefined && options.endCall !== 'two-way' && options.endCall !== 'oneway') {
    issues.push({ path: ['endCall'], message: "must be 'two-way' or 'oneway'" });
  }
  if (options.heartbeatIntervalMs !== undefined && options.heartbeatIntervalMs > 60_000) {
    issues.push({
      path: ['heartbeatIntervalMs'],
      message: 'must be at most 60 000 (brokers expire after 120 s)',
    });
  }
  if (
    options.credentials !== undefined &&
    (typeof options.credentials.accessKey !== 'string' ||
      typeof options.credentials.accessSecret !== 'string')
  ) {
    issues.push({ path: ['credentials'], message: 'needs accessKey and accessSecret strings' });
  }
  if (!Array.isArray(options.topics) || options.topics.length === 0) {
    issues.push({ path: ['topics'], message: 'must list at least one topic' });
  } else {
    options.topics.forEach((topic, i) => {
      for (const issue of validateTopic(topic)) issues.push({ path: ['topics', i], message: issue.message });
    });
  }
  if (issues.length > 0) throw new ValidationError('remotingBroker options', issues);
}
