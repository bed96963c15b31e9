/** Pins the public surface: adding or removing an export is a deliberate change to this list. */
import { describe, expect, it } from 'vitest';
import * as api from '../../src/index.js';
import * as testing from '../../src/testing/index.js';

describe('public API', () => {
  it('exports exactly these runtime values from "rocketmq-rx"', () => {
    expect(Object.keys(api).sort()).toEqual(
      [
        'AbortedError',
        'AnswerSource',
        'BadRequestError',
        'BrokerError',
        'BrokerTimeoutError',
        'BrokerUnavailableError',
        'CancelledError',
        'CheckBackTimeoutError',
        'CheckerError',
        'AbsentRollbackError',
        'ClosedError',
        'EndCall',
        'EndSource',
        'Fate',
        'InvalidStateError',
        'LocalStepError',
        'LocalStepTimeoutError',
        'MAX_BODY_BYTES',
        'MalformedCheckBackError',
        'ProtocolError',
        'RecordReason',
        'RocketMQRxError',
        'SessionDeadlockError',
        'StartupError',
        'StoreError',
        'ThrottledError',
        'TopicNotFoundError',
        'TransactionNotFoundError',
        'TransactionState',
        'UnauthorizedError',
        'UndeclaredTopicError',
        'ValidationError',
        'answerCheckBacks',
        'backoffDelay',
        'checkBacks',
        'currentTelemetry',
        'drainLateAnswers',
        'executeLocal',
        'isRetryable',
        'isRocketMQRxError',
        'isTransactionState',
        'memoryStateStore',
        'noopTelemetry',
        'pgliteStateStore',
        'postgresStateStore',
        'pullMessages',
        'pullable',
        'receiveMessages',
        'remotingBroker',
        'resolve',
        'rocketmqBroker',
        'sendHalf',
        'silentLogger',
        'sqlStateStore',
        'transactional',
        'useTelemetry',
        'validateMessage',
      ].sort(),
    );
  });

  it('exports exactly virtualBroker from "rocketmq-rx/testing"', () => {
    expect(Object.keys(testing)).toEqual(['virtualBroker']);
  });

  it('gives every error a _tag equal to its name and a retryable flag', () => {
    const errors = (Object.values(api) as unknown[]).filter(
      (v): v is new (m: string) => api.RocketMQRxError =>
        typeof v === 'function' && v.prototype instanceof api.RocketMQRxError,
    );
    expect(errors.length).toBeGreaterThanOrEqual(18);
    for (const E of errors) {
      const e =
        E === (api.ValidationError as unknown)
          ? new api.ValidationError('thing', [])
          : E === (api.MalformedCheckBackError as unknown)
            ? new api.MalformedCheckBackError([])
            : E === (api.InvalidStateError as unknown)
              ? new api.InvalidStateError('x')
              : new E('boom');
      expect(e.name).toBe(e._tag);
      expect(typeof e.retryable).toBe('boolean');
      expect(e).toBeInstanceOf(Error);
    }
  });

  it('keeps the cause of a wrapped error', () => {
    const root = new Error('socket hang up');
    const e = new api.BrokerUnavailableError('send failed', {
      cause: root,
      context: { topic: 'T', attempt: 2 },
    });
    expect(e.cause).toBe(root);
    expect(e.context).toEqual({ topic: 'T', attempt: 2 });
    expect(api.isRetryable(e)).toBe(true);
    expect(api.isRetryable(root)).toBe(false);
  });

  it('recognises its errors by brand, not only by class, and nothing else', () => {
    const mine = new api.ThrottledError('busy');
    // What the other build's error looks like to this one: same brand, another prototype chain.
    const otherBuild = Object.assign(new Error('busy'), { _tag: 'ThrottledError', retryable: true });
    Object.defineProperty(otherBuild, Symbol.for('rocketmq-rx/error'), { value: true });
    expect(api.isRocketMQRxError(mine)).toBe(true);
    expect(api.isRocketMQRxError(otherBuild)).toBe(true);
    expect(api.isRetryable(otherBuild)).toBe(true);
    for (const stranger of [new Error('x'), { _tag: 'ThrottledError', retryable: true }, null, 'e', 1]) {
      expect(api.isRocketMQRxError(stranger)).toBe(false);
      expect(api.isRetryable(stranger)).toBe(false);
    }
  });
});
