import assert from 'node:assert/strict';
import { test } from 'node:test';
import { walkthroughBlocks } from './readme-walkthrough.js';

test('walkthroughBlocks takes the sh blocks under "## Walkthrough" only, in order, with their README lines', () => {
  const md = [
    '# Shop', //                1
    '```sh', //                 2
    'echo before', //           3
    '```', //                   4
    '## Walkthrough', //        5
    '```sh', //                 6
    'A=${GALLEY_URL:-x}', //    7
    '```', //                   8
    '### Checkout', //          9
    '```ts', //                10
    'not run', //              11
    '```', //                  12
    '````bash', //             13
    'echo one', //             14
    '```', //                  15
    'echo two', //             16
    '````', //                 17
    '## Code map', //          18
    '```sh', //                19
    'echo after', //           20
    '```', //                  21
  ].join('\n');
  assert.deepEqual(walkthroughBlocks(md), [
    { line: 7, code: 'A=${GALLEY_URL:-x}' },
    { line: 14, code: 'echo one\n```\necho two' },
  ]);
  assert.throws(() => walkthroughBlocks('## Walkthrough\n```sh\necho'), /ends inside a code block/);
});
