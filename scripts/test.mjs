#!/usr/bin/env node
// Runs the whole suite with Node's own test runner (TypeScript through tsx): every `*.test.ts`
// under src/, test/ and examples/, or the files/folders given as arguments. Extra `--flags` pass through.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const targets = args.filter((a) => !a.startsWith('--'));

function collect(path, out) {
  const st = statSync(path);
  if (st.isFile()) {
    if (path.endsWith('.test.ts')) out.push(path);
    return out;
  }
  for (const name of readdirSync(path)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    collect(join(path, name), out);
  }
  return out;
}

const files = [];
for (const t of targets.length ? targets : ['src', 'test', 'examples']) collect(join(root, t), files);
files.sort();
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const concurrency = process.env.GALLEY_TEST_CONCURRENCY ?? '2';
// A test that hangs fails after this long instead of holding the suite (and CI) until its hard
// limit. Node 24 applies it to each test; Node 20 to each test file as a whole, so it is far above
// the slowest file (the whole suite takes ~4 min). Override with GALLEY_TEST_TIMEOUT_MS or --test-timeout.
const timeout = flags.some((f) => f.startsWith('--test-timeout')) ? [] : [`--test-timeout=${process.env.GALLEY_TEST_TIMEOUT_MS ?? '600000'}`];
const res = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...timeout, ...flags, ...files.map((f) => relative(root, f))],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(res.status ?? 1);
