import { from, lastValueFrom, type ObservableInput } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { BrokerUnavailableError } from '../../src/core/errors.js';
import { silentLogger } from '../../src/core/Logger.js';
import { type CheckBackDeps, transportCheckBack } from '../../src/grpc/transportCheckBack.js';

/** A check whose end calls are recorded; `now` is set by the test. */
function setup(overrides: Partial<CheckBackDeps> = {}) {
  const sent: string[] = [];
  let settled = 0;
  const clock = { now: 1_000 };
  const check = transportCheckBack(
    { topic: 'Orders', messageId: 'm-1', transactionId: 't-1', deadline: 2_000 },
    {
      now: () => clock.now,
      closing: () => false,
      settled: () => {
        settled++;
      },
      send: async (resolution) => {
        sent.push(resolution);
      },
      logger: silentLogger,
      ...overrides,
    },
  );
  return { check, sent, clock, settled: () => settled };
}

const outcome = (input: ObservableInput<unknown>) =>
  lastValueFrom(from(input), { defaultValue: undefined }).then(
    () => 'sent',
    (error: Error) => error.name,
  );

describe('the gRPC transport check-back', () => {
  it('does not spend the check on unknown: a second answerer can still commit it', async () => {
    const { check, sent } = setup();
    expect(await outcome(check.answer('unknown'))).toBe('sent');
    expect(await outcome(check.answer('commit'))).toBe('sent');
    expect(sent).toEqual(['commit']);
    // Only the first commit or rollback is sent.
    expect(await outcome(check.answer('rollback'))).toBe('sent');
    expect(sent).toEqual(['commit']);
  });

  it('sends an answer given after the check deadline instead of dropping it: the proxy decides', async () => {
    const { check, sent, clock } = setup();
    clock.now = 5_000;
    expect(await outcome(check.answer('commit'))).toBe('sent');
    expect(sent).toEqual(['commit']);
  });

  it('reports the proxy refusing a late answer with its cause, never as a success', async () => {
    const { check } = setup({
      now: () => 5_000,
      send: () => Promise.reject(new BrokerUnavailableError('connection reset')),
    });
    expect(await outcome(check.answer('rollback'))).toBe('BrokerUnavailableError');
  });

  it('reports an answer that cannot be sent (the message could not be decoded) with a typed error', async () => {
    const { check } = setup({ send: undefined });
    expect(await outcome(check.answer('commit'))).toBe('MalformedCheckBackError');
  });
});
