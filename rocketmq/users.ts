/** Users and ACLs on a broker with authentication on (5.x auth), through the admin CLI. */
import { join } from 'node:path';
import { LauncherError } from './LauncherError.ts';
import { run, tail } from './processes.ts';

/** A user the launcher creates, with the permissions it is granted. */
export interface UserSpec {
  readonly accessKey: string;
  readonly secretKey: string;
  /** e.g. `{ resource: 'Topic:orders', actions: ['Pub'] }`; none: the user may do nothing. */
  readonly grants?: readonly { readonly resource: string; readonly actions: readonly string[] }[];
}

export async function createUsersWithAdmin(
  classpath: string,
  dataDir: string,
  brokerAddr: string,
  users: readonly UserSpec[],
): Promise<void> {
  const admin = async (args: readonly string[]) => {
    const r = await run(
      'java',
      [
        '-Xms64m',
        '-Xmx256m',
        '-XX:TieredStopAtLevel=1',
        `-Drocketmq.home.dir=${join(dataDir, 'home')}`,
        `-Duser.home=${join(dataDir, 'admin-home')}`,
        '-cp',
        classpath,
        'org.apache.rocketmq.tools.command.MQAdminStartup',
        ...args,
      ],
      { timeoutMs: 60_000 },
    );
    const text = r.stdout + r.stderr;
    // The CLI exits 0 on failure too; its failures print an exception.
    if (r.code !== 0 || /Exception|failed/i.test(text)) {
      throw new LauncherError(`mqadmin ${args[0]} failed:\n${tail(text, 20)}`);
    }
  };
  for (const user of users) {
    await admin(['createUser', '-b', brokerAddr, '-u', user.accessKey, '-p', user.secretKey, '-t', 'Normal']);
    for (const grant of user.grants ?? []) {
      await admin([
        'createAcl',
        '-b',
        brokerAddr,
        '-s',
        `User:${user.accessKey}`,
        '-r',
        grant.resource,
        '-a',
        grant.actions.join(','),
        '-d',
        'Allow',
      ]);
    }
  }
}
