/**
 * A certificate authority of the run's own and a server certificate it signs, for the proxy's
 * TLS: clients must trust this CA explicitly, as they would a private CA in production.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LauncherError } from './LauncherError.ts';
import { run, tail } from './processes.ts';

export interface TestCertificates {
  /** The CA certificate (PEM) that signed the server certificate. */
  readonly ca: string;
  readonly caPath: string;
  readonly certPath: string;
  /** The server key, PKCS#8 PEM (what the proxy's TLS stack reads). */
  readonly keyPath: string;
}

async function openssl(args: readonly string[], cwd: string): Promise<void> {
  const r = await run('openssl', args, { cwd, timeoutMs: 30_000 });
  if (r.code !== 0) {
    throw new LauncherError(`openssl ${args[0]} failed:\n${tail(r.stdout + r.stderr, 15)}`);
  }
}

/** Writes a CA and a certificate for `localhost` / 127.0.0.1 into `dir`. */
export async function generateCertificates(dir: string): Promise<TestCertificates> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'server.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n',
  );
  const days = ['-days', '2'];
  await openssl(
    ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'ca.key'],
    dir,
  );
  await openssl(
    ['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=rocketmq-rx test CA', ...days, '-out', 'ca.pem'],
    dir,
  );
  await openssl(
    ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'server.key'],
    dir,
  );
  await openssl(['req', '-new', '-key', 'server.key', '-subj', '/CN=localhost', '-out', 'server.csr'], dir);
  await openssl(
    [
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      ...days,
      '-extfile',
      'server.ext',
      '-out',
      'server.pem',
    ],
    dir,
  );
  return {
    ca: await readFile(join(dir, 'ca.pem'), 'utf8'),
    caPath: join(dir, 'ca.pem'),
    certPath: join(dir, 'server.pem'),
    keyPath: join(dir, 'server.key'),
  };
}
