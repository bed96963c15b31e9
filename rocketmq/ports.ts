/** Free listening ports for the servers: never assume a default port is free. */
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { LauncherError } from './LauncherError.ts';

function portFree(port: number): Promise<boolean> {
  // Probe on all addresses: the name server and broker listen on 0.0.0.0 whatever we ask.
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '0.0.0.0', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/**
 * The range to pick listening ports from: below the kernel's ephemeral range, whose ports may be
 * taken at any moment as the local end of an outgoing connection (the broker's own connection to
 * the name server, say) between our check and the JVM's bind.
 */
async function listeningRange(): Promise<[number, number]> {
  try {
    const [low] = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8'))
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low && low > 12_000) return [10_000, low - 1];
  } catch {
    // not Linux: fall through
  }
  return [10_000, 30_000];
}

/** `count` consecutive free ports; the broker also takes listenPort−2 and listenPort+1. */
export async function freePortBlock(count: number, taken: Set<number>): Promise<number> {
  const [low, high] = await listeningRange();
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = low + Math.floor(Math.random() * (high - low - count));
    const ports = Array.from({ length: count }, (_, i) => base + i);
    if (ports.some((p) => taken.has(p))) continue;
    const free = await Promise.all(ports.map(portFree));
    if (free.every(Boolean)) {
      for (const p of ports) taken.add(p);
      return base;
    }
  }
  throw new LauncherError(`no block of ${count} free ports found on this machine`);
}
