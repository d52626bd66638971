/** `galley mail list`: the dev outbox, read straight from the database. */
import type { Command } from 'commander';
import { configFromCommand, openApp } from './open-app.js';
import { table } from './run-jobs.js';

export async function runMailList(cmd: Command): Promise<void> {
  const o = cmd.opts<{ limit: number; full?: boolean; json?: boolean }>();
  const app = await openApp(configFromCommand(cmd));
  try {
    const { items, total } = await app.mail.outbox.list(o.limit, 0);
    if (o.json) {
      process.stdout.write(`${JSON.stringify(items, null, 2)}\n`);
      return;
    }
    if (items.length === 0) {
      process.stdout.write('the dev outbox is empty (mail lands there on a --dev node with SMTP disabled)\n');
      return;
    }
    if (o.full) {
      for (const m of items) {
        process.stdout.write(`--- ${m.id}  ${m.created}\nFrom: ${m.from}\nTo: ${m.to.join(', ')}\nSubject: ${m.subject}\n\n${m.message.text ?? m.message.html ?? ''}\n\n`);
      }
    } else {
      process.stdout.write(table(['ID', 'CREATED', 'TO', 'SUBJECT'], items.map((m) => [m.id, m.created, m.to.join(', '), m.subject])));
    }
    process.stdout.write(`${total} message(s)${total > items.length ? ` (showing ${items.length}; --limit for more)` : ''}\n`);
  } finally {
    await app.close();
  }
}
