/** Log levels, lowest first. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** Where the RocketMQ transport reports what it does. Bring your own (pino, console, …). */
export interface Logger {
  /**
   * The lowest level this logger wants. Messages below it are not even formatted — the client
   * logs on every send and end call, and formatting that for nothing costs real throughput.
   * Default `'info'`.
   */
  readonly level?: LogLevel;
  /** Detail: every check-back, the client's own chatter. */
  debug(message: string, context?: Record<string, unknown>): void;
  /** Start and close. */
  info(message: string, context?: Record<string, unknown>): void;
  /** Something was dropped or abandoned (a shed check-back, a drain cut short); nothing is lost. */
  warn(message: string, context?: Record<string, unknown>): void;
  /** Something failed that the library could not handle itself. */
  error(message: string, context?: Record<string, unknown>): void;
}

/** The default: says nothing, writes nothing. */
export const silentLogger: Logger = {
  level: 'silent',
  debug() {},
  info() {},
  warn() {},
  error() {},
};

const rank: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

/** Whether `logger` wants messages of `level`. */
export function wants(logger: Logger, level: Exclude<LogLevel, 'silent'>): boolean {
  return rank[level] >= rank[logger.level ?? 'info'];
}
