import { Command } from 'commander';
import { options } from './config-options.js';

export function serveCommand(parent: Command): Command {
  return new Command('serve')
    .copyInheritedSettings(parent)
    .description('start the server: open the database, apply pending migrations, serve the API')
    .addOption(options.dir())
    .addOption(options.http())
    .addOption(options.db())
    .addOption(options.redis())
    .addOption(options.dev())
    .addOption(options.app())
    .addOption(options.migrations())
    .addOption(options.encryptionEnv())
    .addOption(options.logLevel())
    .addOption(options.keyPrefix())
    .addOption(options.publicDir())
    .addOption(options.jobs())
    .addHelpText(
      'after',
      '\nExamples:\n  galley serve --dev\n  galley serve --http 0.0.0.0:8090 --db postgres://user@db/app --redis redis://cache:6379',
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const { runServe } = await import('./run-serve.js');
      await runServe(cmd);
    });
}
