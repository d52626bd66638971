/**
 * How the cluster tests start Galley: the real package entry `node bin/galley.js` when `dist/` is
 * built from the current sources (CI builds it in `npm ci`), otherwise from source through tsx, so
 * a developer never tests a stale build by accident. `GALLEY_TEST_LAUNCHER=bin|source` forces one.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface Launcher {
  kind: 'bin' | 'source';
  /** Why this launcher was chosen, for the test log. */
  reason: string;
  /** `process.execPath` arguments that run the CLI, before the command's own arguments. */
  args: readonly string[];
}

let chosen: Launcher | undefined;

export function galleyLauncher(): Launcher {
  chosen ??= choose();
  return chosen;
}

function choose(): Launcher {
  const bin: Launcher = { kind: 'bin', reason: '', args: [join(repoRoot, 'bin', 'galley.js')] };
  // Resolved here, not by the child: the nodes run in temp dirs that have no node_modules.
  const source: Launcher = { kind: 'source', reason: '', args: ['--import', import.meta.resolve('tsx'), join(repoRoot, 'src', 'cli', 'main-entry.ts')] };
  const forced = process.env.GALLEY_TEST_LAUNCHER;
  if (forced === 'bin') return { ...bin, reason: 'GALLEY_TEST_LAUNCHER=bin' };
  if (forced === 'source') return { ...source, reason: 'GALLEY_TEST_LAUNCHER=source' };
  const built = mtime(join(repoRoot, 'dist', 'cli', 'main.js'));
  if (built === undefined) return { ...source, reason: 'dist/ is not built' };
  const newest = newestSource(join(repoRoot, 'src'));
  if (newest > built) return { ...source, reason: 'dist/ is older than src/ (run npm run build to test the build)' };
  return { ...bin, reason: 'dist/ is up to date' };
}

function mtime(path: string): number | undefined {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.conformance.ts')) {
      newest = Math.max(newest, mtime(path) ?? 0);
    }
  }
  return newest;
}
