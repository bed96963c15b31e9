/**
 * Importing rocketmq-rx loads neither gRPC (the RocketMQ client) nor most of effect (the schema):
 * a producer pays for the client when it connects, and for the schema only when a message or a
 * check-back is malformed. Users' marble tests and high-volume producers of valid messages keep
 * tens of megabytes that they would otherwise hold for nothing.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, '../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('dependencies load on first need', () => {
  it('valid transactions and well-formed check-backs load neither effect nor the client; an invalid message loads effect', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', join(here, '../support/loadProbe.ts')], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const r = JSON.parse(out.trim().split('\n').at(-1) as string);
    // The traffic really ran: left to the check-back, answered commit from the store, delivered.
    expect(r.resolved).toEqual(['left-to-check-back', 'left-to-check-back', 'left-to-check-back']);
    expect(r.answers).toEqual(['commit', 'commit', 'commit']);
    expect(r.delivered).toBe(3);
    expect(r.afterValidTraffic).toEqual({ effect: false, client: false });
    // The invalid message is explained in full, by the schema, which the probe then sees loaded.
    expect(r.invalidIssues).toEqual(['topic', 'body']);
    expect(r.afterInvalid).toEqual({ effect: true, client: false });
  });

  it('without @opentelemetry/api installed the main entry loads and runs; only rocketmq-rx/otel needs it', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--import',
        join(here, '../support/hideOpenTelemetry.mjs'),
        '--import',
        'tsx',
        join(here, '../support/noOpenTelemetryProbe.ts'),
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    const r = JSON.parse(out.trim().split('\n').at(-1) as string);
    expect(r.otelEntry).toBe('ERR_MODULE_NOT_FOUND');
    expect(r.fates).toEqual(['committed', 'left-to-check-back']);
    expect(r.answers).toEqual(['commit']);
    expect(r.delivered).toBe(2);
  });

  it('no source module outside src/otel imports @opentelemetry', () => {
    const offenders = sourceFiles(src)
      .filter((file) => !file.includes('/src/otel/'))
      .filter((file) => /from\s+'@opentelemetry\//.test(readFileSync(file, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('no source module imports effect or rocketmq-client-nodejs statically, except as types', () => {
    const offenders = sourceFiles(src).flatMap((file) => {
      const text = readFileSync(file, 'utf8');
      const statics = [
        ...text.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'(effect|rocketmq-client-nodejs)[/']/gm),
      ];
      return statics.map((m) => `${file.slice(src.length + 1)}: ${m[0].split('\n')[0]}`);
    });
    expect(offenders).toEqual([]);
  });
});
