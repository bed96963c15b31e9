/**
 * Child process for peak-memory measurement: runs one variant against the built library in a
 * plain Node process (no TypeScript loader, whose own memory would be counted) and prints its
 * peak RSS as JSON. Usage: node bench/memoryRun.mjs <transactional|bare> <messages> <concurrency>
 */
import { viaBareChain, viaTransactional } from './variants.mjs';

const [variant = 'transactional', n = '1000000', c = '256'] = process.argv.slice(2);
const run = variant === 'bare' ? viaBareChain : viaTransactional;
const { ms, committed } = await run(Number(n), Number(c));
console.log(
  JSON.stringify({
    variant,
    messages: Number(n),
    concurrency: Number(c),
    ms,
    committed,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  }),
);
