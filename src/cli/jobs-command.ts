import { Command, InvalidArgumentError, Option } from 'commander';
import { JOB_STATES } from '../jobs/job-types.js';
import { options } from './config-options.js';

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a whole number >= 1');
  return Number(value);
}

export function jobsCommand(parent: Command): Command {
  const jobs = new Command('jobs')
    .copyInheritedSettings(parent)
    .description('list, retry, cancel and watch background jobs (mail, exports, your own kinds)');

  const connection = (cmd: Command): Command =>
    cmd.addOption(options.dir()).addOption(options.db()).addOption(options.encryptionEnv());

  jobs.addCommand(
    connection(
      new Command('list')
        .copyInheritedSettings(parent)
        .description('list jobs, newest first')
        .addOption(new Option('--state <state>', 'only jobs in this state').choices([...JOB_STATES]))
        .option('--kind <kind>', 'only jobs of this kind (e.g. mail.send)')
        .option('--queue <queue>', 'only jobs of this queue')
        .option('--filter <expr>', "rule-language filter over the job columns, e.g. \"attempts > 1 && kind ~ 'mail'\"")
        .option('--sort <sort>', 'sort like records, e.g. -runAt (default -created)')
        .option('--limit <n>', 'how many to show', positiveInt, 30)
        .option('--json', 'print the jobs as JSON (one array)'),
    ).action(async (_opts: unknown, cmd: Command) => {
      const { runJobsList } = await import('./run-jobs.js');
      await runJobsList(cmd);
    }),
  );

  for (const [name, description] of [
    ['retry', 'put a failed, dead or cancelled job back in the queue, due now'],
    ['cancel', 'cancel a queued, retry-pending or running job'],
  ] as const) {
    jobs.addCommand(
      connection(new Command(name).copyInheritedSettings(parent).description(description).argument('<id>', 'job id')).action(
        async (id: string, _opts: unknown, cmd: Command) => {
          const { runJobsAction } = await import('./run-jobs.js');
          await runJobsAction(cmd, name, id);
        },
      ),
    );
  }

  jobs.addCommand(
    connection(
      new Command('watch')
        .copyInheritedSettings(parent)
        .description('show a job and its progress until it finishes (a bar on a terminal, plain lines otherwise)')
        .argument('<id>', 'job id')
        .option('--interval <ms>', 'how often to look, in milliseconds', positiveInt, 500),
    ).action(async (id: string, _opts: unknown, cmd: Command) => {
      const { runJobsWatch } = await import('./run-jobs.js');
      await runJobsWatch(cmd, id);
    }),
  );
  return jobs;
}
