import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSafeFileName, storedFileName } from './file-name.js';

const SUFFIX = '[a-z0-9]{10}';

test('stored names: snake_case base, 10 random characters, lower-case extension', () => {
  assert.match(storedFileName('My Photo.PNG'), new RegExp(`^my_photo_${SUFFIX}\\.png$`));
  assert.match(storedFileName('camelCaseName.tar.gz'), new RegExp(`^camel_case_name_tar_${SUFFIX}\\.gz$`));
  assert.notEqual(storedFileName('a.txt'), storedFileName('a.txt'));
});

test('paths and hostile names never leave one safe segment', () => {
  for (const name of ['../../etc/passwd', '..\\..\\windows\\win.ini', '/abs/path.sh', '..', '.', '', '\u0000evil.png', 'ünïcødé.txt', '<script>.html']) {
    const stored = storedFileName(name, 'bin');
    assert.ok(isSafeFileName(stored), `${JSON.stringify(name)} -> ${stored}`);
    assert.ok(!stored.includes('/') && !stored.includes('\\') && !stored.includes('..'));
  }
  assert.match(storedFileName('../../etc/passwd', 'txt'), new RegExp(`^passwd_${SUFFIX}\\.txt$`));
});

test('short bases are padded, long ones and extensions are cut', () => {
  assert.match(storedFileName('a.txt'), new RegExp(`^a[a-z0-9]{10}_${SUFFIX}\\.txt$`));
  const long = storedFileName(`${'x'.repeat(300)}.${'e'.repeat(30)}`);
  const [base] = long.split('_');
  assert.equal(base?.length, 100);
  assert.equal(long.split('.').pop()?.length, 20);
});

test('a name without extension takes the detected one', () => {
  assert.match(storedFileName('README', 'txt'), new RegExp(`^readme_${SUFFIX}\\.txt$`));
  assert.match(storedFileName('README'), new RegExp(`^readme_${SUFFIX}$`));
});

test('isSafeFileName refuses what a URL could smuggle in', () => {
  for (const bad of ['', '..', '../x', 'a/b', 'a\\b', '.hidden', 'a..b', 'x'.repeat(256), 'a b']) assert.equal(isSafeFileName(bad), false, bad);
  assert.equal(isSafeFileName('photo_abc123defg.png'), true);
});
