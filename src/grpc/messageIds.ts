/**
 * Message ids in the layout the RocketMQ 5 clients use (version 1): one version byte, six bytes
 * of a MAC address, two of the process id, four of seconds since 2021-01-01 UTC and a four-byte
 * sequence, as upper-case hex. The broker treats the id as opaque; consumers and tools show it.
 */
import { networkInterfaces } from 'node:os';

const EPOCH_2021_S = Date.UTC(2021, 0, 1) / 1000;

function macAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const nic of list ?? []) {
      if (!nic.internal && nic.mac && nic.mac !== '00:00:00:00:00:00') return nic.mac.replaceAll(':', '');
    }
  }
  return '000000000000';
}

let prefix: string | undefined;
// One sequence per process, like the official clients': two producers in one process must never
// make the same id in the same second. Starting at a random point keeps a restarted process with
// the same pid from repeating the ids of its predecessor within that second.
let sequence = Math.floor(Math.random() * 0x100000000);
let second = -1;
let seconds = '';

export function nextMessageId(now = Date.now()): string {
  prefix ??= `01${macAddress()}${(process.pid % 0xffff).toString(16).padStart(4, '0')}`.toUpperCase();
  const s = Math.floor(now / 1000);
  if (s !== second) {
    second = s;
    seconds = ((s - EPOCH_2021_S) >>> 0).toString(16).toUpperCase().padStart(8, '0');
  }
  sequence = (sequence + 1) >>> 0;
  return `${prefix}${seconds}${sequence.toString(16).toUpperCase().padStart(8, '0')}`;
}
