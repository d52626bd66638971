import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from './cli-process.js';

const commands = [
  ['serve'],
  ['superuser'],
  ['superuser', 'upsert'],
  ['superuser', 'delete'],
  ['migrate'],
  ['migrate', 'up'],
  ['migrate', 'down'],
  ['migrate', 'create'],
  ['migrate', 'status'],
  ['migrate', 'collections'],
];

test('every command has --help, which exits 0', async () => {
  const top = await runCli(['--help']);
  assert.equal(top.code, 0);
  for (const name of ['serve', 'superuser', 'migrate']) assert.match(top.stdout, new RegExp(`\\n  ${name}\\b`));
  // Independent processes: run them side by side to keep the suite short.
  const results = await Promise.all(commands.map((cmd) => runCli([...cmd, '--help'])));
  commands.forEach((cmd, i) => {
    const res = results[i];
    assert.equal(res?.code, 0, `${cmd.join(' ')} --help: ${res?.stderr}`);
    assert.match(res?.stdout ?? '', new RegExp(`^Usage: galley ${cmd.join(' ')}`), cmd.join(' '));
  });
  const serve = await runCli(['help', 'serve']);
  assert.equal(serve.code, 0);
  for (const env of ['GALLEY_DIR', 'GALLEY_HTTP', 'GALLEY_DATABASE_URL', 'GALLEY_REDIS_URL', 'GALLEY_DEV', 'GALLEY_APP', 'GALLEY_MIGRATIONS']) {
    assert.match(serve.stdout, new RegExp(`env:\\s+${env}\\b`), `serve --help shows ${env}`);
  }
});

test('--version prints the package version', async () => {
  const { version } = (await import('../../package.json', { with: { type: 'json' } })).default as { version: string };
  for (const flag of ['--version', '-v']) {
    const res = await runCli([flag]);
    assert.equal(res.code, 0);
    assert.equal(res.stdout.trim(), version);
  }
});

/** One clear line on stderr, exit code 1, no stack trace. */
function assertCleanFailure(res: { code: number | null; stdout: string; stderr: string }, pattern: RegExp): void {
  assert.equal(res.code, 1, `exit code; stderr: ${res.stderr}`);
  assert.match(res.stderr, pattern);
  assert.doesNotMatch(res.stderr, /\n\s+at /, 'no stack trace');
  assert.ok(res.stderr.trim().split('\n').length <= 2, `short message, got:\n${res.stderr}`);
}

test('bad flags and values fail with one clear line', async () => {
  assertCleanFailure(await runCli(['serve', '--bogus']), /^galley: unknown option '--bogus'/);
  assertCleanFailure(await runCli(['nope']), /^galley: unknown command 'nope'/);
  assertCleanFailure(await runCli(['serve', '--htp', '1']), /unknown option '--htp'[\s\S]*--http/);
  assertCleanFailure(await runCli(['serve', '--http', 'nonsense']), /^galley: invalid --http \(or GALLEY_HTTP\): expected HOST:PORT/);
  assertCleanFailure(await runCli(['serve', '--http', '127.0.0.1:99999']), /^galley: invalid --http \(or GALLEY_HTTP\): the port must be between 0 and 65535/);
  assertCleanFailure(await runCli(['serve', '--db', 'mysql://x/y']), /^galley: invalid --db \(or GALLEY_DATABASE_URL\): expected a postgres:\/\/ URL/);
  assertCleanFailure(await runCli(['serve', '--log-level', 'loud']), /^galley: option '--log-level <level>' argument 'loud' is invalid/);
  assertCleanFailure(await runCli(['serve', '--http']), /^galley: option '--http <host:port>' argument missing/);
  assertCleanFailure(await runCli(['migrate', 'down', '0']), /expected a whole number >= 1/);
  assertCleanFailure(await runCli(['superuser', 'upsert', 'a@b.co']), /missing required argument 'password'/);
  assertCleanFailure(await runCli(['serve', '--encryption-env', 'GALLEY_NO_SUCH_VAR']), /GALLEY_NO_SUCH_VAR.*empty or unset/);
});

test('bad values from environment variables are reported under the variable', async () => {
  assertCleanFailure(await runCli(['serve'], { env: { GALLEY_HTTP: 'nonsense' } }), /invalid --http \(or GALLEY_HTTP\): expected HOST:PORT/);
  assertCleanFailure(await runCli(['serve'], { env: { GALLEY_DEV: 'maybe' } }), /invalid --dev \(or GALLEY_DEV\)/);
});
