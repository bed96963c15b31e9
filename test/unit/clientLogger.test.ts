/**
 * The client's printf-style log lines reach our logger as Node formats them: every directive,
 * the arguments beyond the format, and an error's stack.
 */
import { describe, expect, it } from 'vitest';
import type { Logger, LogLevel } from '../../src/core/Logger.js';
import { clientLogger } from '../../src/grpc/rocketmqClient.js';

function recording(level: LogLevel) {
  const lines: string[] = [];
  const logger: Logger = {
    level,
    debug: (m) => lines.push(`debug ${m}`),
    info: (m) => lines.push(`info ${m}`),
    warn: (m) => lines.push(`warn ${m}`),
    error: (m) => lines.push(`error ${m}`),
  };
  return { logger, lines };
}

describe('the client logger', () => {
  it('formats %s %d %i %o %j and %%, and appends extra arguments', () => {
    const { logger, lines } = recording('debug');
    const log = clientLogger(logger);
    log.warn(
      'attempt=%d of %i, topic=%s, %% done, ids=%o, cfg=%j',
      2,
      3.7,
      'Orders',
      ['a'],
      { a: 1 },
      'extra',
      7,
    );
    expect(lines).toEqual([
      `warn rocketmq-client: attempt=2 of 3, topic=Orders, % done, ids=[ 'a', [length]: 1 ], cfg={"a":1} extra 7`,
    ]);
  });

  it("keeps an error's stack", () => {
    const { logger, lines } = recording('warn');
    const error = new Error('connection reset');
    clientLogger(logger).error('send failed, error=%s', error);
    clientLogger(logger).error('send failed', error);
    expect(lines[0]).toContain('send failed, error=Error: connection reset\n    at ');
    expect(lines[1]).toContain('send failed Error: connection reset\n    at ');
  });

  it('says nothing below the level the logger wants, and the client info chatter is our debug', () => {
    const { logger, lines } = recording('warn');
    const log = clientLogger(logger);
    log.info('sent %s', 'm1');
    log.debug('x');
    log.warn('w');
    expect(lines).toEqual(['warn rocketmq-client: w']);
    const verbose = recording('debug');
    clientLogger(verbose.logger).info('sent %s', 'm1');
    expect(verbose.lines).toEqual(['debug rocketmq-client: sent m1']);
  });
});
