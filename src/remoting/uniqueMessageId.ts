/**
 * Message ids in the layout RocketMQ clients give them (UNIQ_KEY): host address, pid and a
 * random instance number, then ms since the start of the month and a counter. Admin tools read
 * an approximate send time out of that layout, so we keep it.
 */

import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';

let prefix: string | undefined;
let counter = 0;
let monthStart = 0;
let nextMonth = 0;

export function uniqueMessageId(now = Date.now()): string {
  prefix ??= instancePrefix();
  if (now >= nextMonth) {
    const d = new Date(now);
    monthStart = new Date(d.getFullYear(), d.getMonth(), 1).getTime();
    nextMonth = new Date(d.getFullYear(), d.getMonth() + 1, 1).getTime();
  }
  counter = (counter + 1) & 0xffff;
  const time = ((now - monthStart) >>> 0).toString(16).padStart(8, '0');
  return `${prefix}${time}${counter.toString(16).padStart(4, '0')}`.toUpperCase();
}

function instancePrefix(): string {
  const ip = firstIPv4() ?? [127, 0, 0, 1];
  const buf = Buffer.alloc(10);
  Buffer.from(ip).copy(buf, 0);
  buf.writeUInt16BE(process.pid & 0xffff, 4);
  randomBytes(4).copy(buf, 6);
  return buf.toString('hex');
}

function firstIPv4(): number[] | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal) return a.address.split('.').map(Number);
    }
  }
  return undefined;
}
