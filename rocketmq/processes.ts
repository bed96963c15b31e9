/**
 * Short-lived processes the launcher runs (Maven, the admin CLI, `java -version`) and the helpers
 * that read their output.
 */
import { execFile } from 'node:child_process';
import { LauncherError } from './LauncherError.ts';

export function run(
  file: string,
  args: readonly string[],
  opts: { cwd?: string; timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: opts.cwd, timeout: opts.timeoutMs ?? 0, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

export async function requireTool(file: string, args: string[], install: string): Promise<void> {
  const r = await run(file, args, { timeoutMs: 30_000 }).catch(() => ({ code: -1 }));
  if (r.code !== 0) {
    throw new LauncherError(
      `${file} was not found or does not run; the RocketMQ test server needs it. Install it (${install}), or set ROCKETMQ_ENDPOINTS and ROCKETMQ_NAMESRV to use an existing RocketMQ 5.`,
    );
  }
}

export function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines).join('\n');
}
