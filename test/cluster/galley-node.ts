/**
 * One `galley serve` process of a test cluster, and one-shot CLI commands, as child processes.
 * The environment is the test runner's minus every GALLEY_* setting (the machine's config must not
 * leak in), plus what the test passes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { galleyChildEnv, isRunning, processResult, waitForServe, type ProcessResult } from '../../src/testing/galley-process.js';
import { galleyLauncher } from './galley-launcher.js';

export type CommandResult = ProcessResult;

export interface ProcessOptions {
  cwd: string;
  env?: Record<string, string>;
}

function spawnGalley(args: readonly string[], options: ProcessOptions): ChildProcess {
  return spawn(process.execPath, [...galleyLauncher().args, ...args], {
    cwd: options.cwd,
    env: galleyChildEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function runGalley(args: readonly string[], options: ProcessOptions): Promise<CommandResult> {
  return processResult(spawnGalley(args, options));
}

export interface GalleyNode {
  name: string;
  /** `http://host:port`, as the banner printed it. */
  url: string;
  output(): string;
  /** SIGTERM, then the exit code. Idempotent. */
  stop(): Promise<number | null>;
  /** Sends `signal` (e.g. SIGKILL: a node that dies mid-work) and resolves when the process is gone. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Starts `galley serve <args>` and resolves once its banner says it is ready. */
export async function startGalleyNode(name: string, args: readonly string[], options: ProcessOptions): Promise<GalleyNode> {
  const child = spawnGalley(['serve', ...args], options);
  const { url, exited, all } = await waitForServe(child, `node ${name}`);
  let stopping: Promise<number | null> | undefined;
  return {
    name,
    url,
    output: all,
    async kill(signal) {
      if (isRunning(child)) child.kill(signal);
      await exited;
    },
    stop() {
      stopping ??= (async () => {
        if (isRunning(child)) child.kill('SIGTERM');
        const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
        try {
          return await exited;
        } finally {
          clearTimeout(guard);
        }
      })();
      return stopping;
    },
  };
}
