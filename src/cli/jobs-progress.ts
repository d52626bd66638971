/**
 * How `galley jobs watch` draws a job: one line with a bar, the percentage, done/total and the
 * job's progress message. On a terminal the line is redrawn in place; into a pipe or a file each
 * change is a new plain line (no control characters), so logs stay readable.
 */
import type { JobRow } from '../jobs/job-types.js';

export function progressLine(job: Pick<JobRow, 'id' | 'kind' | 'state' | 'progress'>, width = 30): string {
  const p = job.progress;
  const head = `${job.id} ${job.kind} ${job.state}`;
  if (!p) return head;
  const total = p.total !== null && p.total > 0 ? p.total : null;
  const parts = [head];
  if (total !== null) {
    const ratio = Math.min(1, Math.max(0, p.done / total));
    const filled = Math.round(ratio * width);
    parts.push(`[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`, `${String(Math.floor(ratio * 100)).padStart(3)}%`, `${p.done}/${total}`);
  } else {
    parts.push(`${p.done} done`);
  }
  if (p.message) parts.push(p.message);
  return parts.join('  ');
}

export interface ProgressWriter {
  update(line: string): void;
  /** Ends the redrawn line (TTY) so what follows starts on a fresh one. */
  done(): void;
}

export function progressWriter(stream: NodeJS.WriteStream): ProgressWriter {
  let last = '';
  if (stream.isTTY) {
    return {
      update(line) {
        if (line === last) return;
        last = line;
        const max = stream.columns ? stream.columns - 1 : line.length;
        stream.write(`\r\x1b[2K${line.slice(0, max)}`);
      },
      done() {
        if (last !== '') stream.write('\n');
      },
    };
  }
  return {
    update(line) {
      if (line === last) return;
      last = line;
      stream.write(`${line}\n`);
    },
    done() {},
  };
}
