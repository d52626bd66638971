/**
 * An example's README walkthrough as a CI test (contracts: issue 9). Every ```sh block under the
 * `## Walkthrough` heading, in order, becomes ONE bash script run with `set -euo pipefail` against a
 * fresh `galley serve --app <app file>` child process on a temp `--dir` (SQLite). The script gets
 * `GALLEY_URL` (the server) and `GALLEY_DIR` (its data dir, so `npx galley superuser upsert` reaches
 * the same database) and runs from the repository root, as a reader would; `npx galley` in it runs
 * the same launcher as the server (the built bin, or the sources when dist/ is stale). The blocks
 * check their own answers with `jq -e`; a failure names the README line and shows the server's log.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { galleyChildEnv, processResult } from '../../src/testing/galley-process.js';
import { galleyLauncher, repoRoot } from '../cluster/galley-launcher.js';
import { startGalleyNode } from '../cluster/galley-node.js';

export interface WalkthroughBlock {
  /** 1-based line of the block's first script line in the README. */
  line: number;
  code: string;
}

/** The ```sh blocks under `## Walkthrough` (up to the next `## ` heading), in order. */
export function walkthroughBlocks(markdown: string): WalkthroughBlock[] {
  const lines = markdown.split('\n');
  const blocks: WalkthroughBlock[] = [];
  let inSection = false;
  let block: { line: number; code: string[] } | undefined;
  let fence = '';
  lines.forEach((text, i) => {
    if (block) {
      if (text.trim() === fence) {
        blocks.push({ line: block.line, code: block.code.join('\n') });
        block = undefined;
      } else {
        block.code.push(text);
      }
      return;
    }
    const heading = /^(#{1,6})\s+(.*?)\s*$/.exec(text);
    if (heading) {
      if (heading[1] === '##') inSection = heading[2] === 'Walkthrough';
      else if (heading[1]!.length < 2) inSection = false;
      return;
    }
    const open = /^\s*(`{3,})(\w*)\s*$/.exec(text);
    if (open) {
      if (inSection && (open[2] === 'sh' || open[2] === 'bash')) block = { line: i + 2, code: [] };
      else if (inSection) block = { line: -1, code: [] };
      fence = open[1]!;
    }
  });
  if (block) throw new Error('the README ends inside a code block');
  return blocks.filter((b) => b.line > 0);
}

export interface WalkthroughOptions {
  /** The app file, relative to the repository root (as the README's `--app` says). */
  app: string;
  /** More `serve` flags (e.g. `--dev` when the walkthrough reads the dev mail outbox). */
  serveArgs?: string[];
  /** Limit for the whole script (a guard against a hang, not a timing assertion). */
  limitMs?: number;
}

export interface WalkthroughResult {
  blocks: number;
  stdout: string;
}

/** Runs the walkthrough of `readme` against a fresh server; throws with the failing line and the logs. */
export async function runReadmeWalkthrough(readme: string, options: WalkthroughOptions): Promise<WalkthroughResult> {
  const readmePath = resolve(repoRoot, readme);
  const blocks = walkthroughBlocks(readFileSync(readmePath, 'utf8'));
  if (blocks.length === 0) throw new Error(`${readme} has no \`\`\`sh block under "## Walkthrough"`);
  // Script line -> README line, to name the README line that failed.
  // `npx galley ...` runs the same build (or sources) as the server, and skips npm's start-up.
  const launcher = galleyLauncher().args.map(shellQuote).join(' ');
  const header = [
    'set -euo pipefail',
    `trap 'echo "walkthrough failed at script line $LINENO: $BASH_COMMAND" >&2' ERR`,
    `npx() { if [ "\${1:-}" = galley ]; then shift; ${shellQuote(process.execPath)} ${launcher} "$@"; else command npx "$@"; fi; }`,
  ];
  const script: string[] = [...header];
  const origin: number[] = header.map(() => 0);
  for (const b of blocks) {
    b.code.split('\n').forEach((text, i) => {
      script.push(text);
      origin.push(b.line + i);
    });
  }

  const dir = await mkdtemp(join(tmpdir(), 'galley-walkthrough-'));
  const node = await startGalleyNode(
    'walkthrough',
    ['--app', options.app, '--dir', dir, '--http', '127.0.0.1:0', ...(options.serveArgs ?? [])],
    { cwd: repoRoot },
  );
  try {
    const child = spawn('bash', ['-c', script.join('\n')], {
      cwd: repoRoot,
      env: galleyChildEnv({ GALLEY_URL: node.url, GALLEY_DIR: dir }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), options.limitMs ?? 180_000);
    const res = await processResult(child).finally(() => clearTimeout(guard));
    if (res.code !== 0) {
      const at = /walkthrough failed at script line (\d+): (.*)/.exec(res.stderr);
      const where = at ? `${relative(repoRoot, readmePath)}:${origin[Number(at[1]) - 1] ?? '?'} (${at[2]})` : `${readme} (exit ${res.code})`;
      throw new Error(
        `walkthrough failed at ${where}\n--- script stdout:\n${res.stdout}\n--- script stderr:\n${res.stderr}\n` +
          `--- server (${galleyLauncher().kind}) log:\n${node.output()}`,
      );
    }
    return { blocks: blocks.length, stdout: res.stdout };
  } finally {
    await node.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

function shellQuote(value: string): string {
  return /^[\w./:@=-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
