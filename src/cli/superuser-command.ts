import { Command } from 'commander';
import { options } from './config-options.js';

export function superuserCommand(parent: Command): Command {
  const superuser = new Command('superuser')
    .copyInheritedSettings(parent)
    .description('create, update or delete superuser accounts (the dashboard and admin API logins)');

  const connection = (cmd: Command): Command =>
    cmd.addOption(options.dir()).addOption(options.db()).addOption(options.encryptionEnv());

  superuser.addCommand(
    connection(
      new Command('upsert')
        .copyInheritedSettings(parent)
        .description('create a superuser, or set the password of an existing one')
        .argument('<email>', 'login email')
        .argument('<password>', 'password, at least 8 characters'),
    ).action(async (email: string, password: string, _opts: unknown, cmd: Command) => {
      const { runSuperuserUpsert } = await import('./run-superuser.js');
      await runSuperuserUpsert(cmd, email, password);
    }),
  );

  superuser.addCommand(
    connection(
      new Command('delete')
        .copyInheritedSettings(parent)
        .description('delete a superuser')
        .argument('<email>', 'login email'),
    ).action(async (email: string, _opts: unknown, cmd: Command) => {
      const { runSuperuserDelete } = await import('./run-superuser.js');
      await runSuperuserDelete(cmd, email);
    }),
  );
  return superuser;
}
