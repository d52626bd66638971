import { Command, InvalidArgumentError } from 'commander';
import { options } from './config-options.js';

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number >= 1');
  return Number(value);
}

export function mailCommand(parent: Command): Command {
  const mail = new Command('mail').copyInheritedSettings(parent).description('read the development mail outbox');
  mail.addCommand(
    new Command('list')
      .copyInheritedSettings(parent)
      .description('list the messages a --dev node stored instead of sending (SMTP disabled), newest first')
      .addOption(options.dir())
      .addOption(options.db())
      .addOption(options.encryptionEnv())
      .option('--limit <n>', 'how many to show', positiveInt, 20)
      .option('--full', 'print each message with its text or html body')
      .option('--json', 'print the messages as JSON (one array)')
      .action(async (_opts: unknown, cmd: Command) => {
        const { runMailList } = await import('./run-mail.js');
        await runMailList(cmd);
      }),
  );
  return mail;
}
