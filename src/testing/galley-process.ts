/**
 * The parts shared by the tests that run the `galley` CLI as a child process (test/cli, test/cluster
 * and the tests built on them): a clean environment, collecting a command's output, and waiting for
 * `galley serve`'s banner. How the CLI is launched (source through tsx, or the built bin) stays with
 * each caller.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The test runner's environment without the machine's `GALLEY_*` settings (they must not leak into
 * the child; `GALLEY_TEST_*` stay) and without node:test's context, plus `extra` (`undefined` deletes).
 */
export function galleyChildEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if ((!key.startsWith('GALLEY_') || key.startsWith('GALLEY_TEST_')) && key !== 'NODE_TEST_CONTEXT') env[key] = value;
  }
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Waits for `child` to end and returns its exit code and everything it printed. */
export async function processResult(child: ChildProcess): Promise<ProcessResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

export interface ServeWatch {
  /** The URL the banner printed (`http://host:port`), once it says `Ready in`. */
  url: string;
  /** Resolves with the exit code when the process is gone. */
  exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
  /** stdout and stderr interleaved as they arrived. */
  all(): string;
}

/**
 * Follows a spawned `galley serve` until its banner says it is ready. Rejects, with everything the
 * child printed, if it exits first or is not ready after `limitMs` (a guard against a hung child,
 * not a timing assertion: the child is killed).
 */
export async function waitForServe(child: ChildProcess, label: string, limitMs = 180_000): Promise<ServeWatch> {
  let stdout = '';
  let stderr = '';
  let all = '';
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const printed = (): string => `\nstdout:\n${stdout}\nstderr:\n${stderr}`;
  const url = await new Promise<string>((resolve, reject) => {
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${label} not ready after ${limitMs / 1000} s${printed()}`));
    }, limitMs);
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      all += d;
      const m = /REST API:\s+(\S+?)\/api\//.exec(stdout);
      if (m?.[1] && /Ready in/.test(stdout)) {
        clearTimeout(guard);
        resolve(m[1]);
      }
    });
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      all += d;
    });
    void exited.then((code) => {
      clearTimeout(guard);
      reject(new Error(`${label} exited with ${code} before it was ready${printed()}`));
    });
  });
  return { url, exited, stdout: () => stdout, stderr: () => stderr, all: () => all };
}

/** Whether the child is still running (no exit code, no signal). */
export function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}
