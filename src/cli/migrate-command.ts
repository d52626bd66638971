import { Command, InvalidArgumentError } from 'commander';
import { options } from './config-options.js';

function positiveCount(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number >= 1');
  return Number(value);
}

export function migrateCommand(parent: Command): Command {
  const migrate = new Command('migrate')
    .copyInheritedSettings(parent)
    .description('apply, revert, create and list migration files');

  const withDatabase = (cmd: Command): Command =>
    cmd
      .addOption(options.dir())
      .addOption(options.db())
      .addOption(options.redis())
      .addOption(options.migrations())
      .addOption(options.encryptionEnv());

  migrate.addCommand(
    withDatabase(new Command('up').copyInheritedSettings(parent).description('apply every pending migration')).action(
      async (_opts: unknown, cmd: Command) => {
        const { runMigrateUp } = await import('./run-migrate.js');
        await runMigrateUp(cmd);
      },
    ),
  );

  migrate.addCommand(
    withDatabase(
      new Command('down')
        .copyInheritedSettings(parent)
        .description('revert the last N applied migrations (newest first)')
        .argument('[n]', 'how many to revert', positiveCount, 1),
    ).action(async (n: number, _opts: unknown, cmd: Command) => {
      const { runMigrateDown } = await import('./run-migrate.js');
      await runMigrateDown(cmd, n);
    }),
  );

  migrate.addCommand(
    new Command('create')
      .copyInheritedSettings(parent)
      .description('write a new, empty migration file named <timestamp>_<name>.ts')
      .argument('<name>', 'what the migration does, e.g. add_posts')
      .addOption(options.migrations())
      .action(async (name: string, _opts: unknown, cmd: Command) => {
        const { runMigrateCreate } = await import('./run-migrate.js');
        await runMigrateCreate(cmd, name);
      }),
  );

  migrate.addCommand(
    withDatabase(
      new Command('status').copyInheritedSettings(parent).description('list applied and pending migrations'),
    ).action(async (_opts: unknown, cmd: Command) => {
      const { runMigrateStatus } = await import('./run-migrate.js');
      await runMigrateStatus(cmd);
    }),
  );
  migrate.addCommand(
    withDatabase(
      new Command('collections')
        .copyInheritedSettings(parent)
        .description('write a migration file with a snapshot of every (non-system) collection in the database'),
    ).action(async (_opts: unknown, cmd: Command) => {
      const { runMigrateCollections } = await import('./run-migrate.js');
      await runMigrateCollections(cmd);
    }),
  );
  return migrate;
}
