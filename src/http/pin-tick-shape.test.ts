import assert from 'node:assert/strict';
import { executionAsyncResource } from 'node:async_hooks';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pinTickShape, pinnedTickObject } from './pin-tick-shape.js';

setFlagsFromString('--expose-gc');
setFlagsFromString('--allow-natives-syntax');
const gc = runInNewContext('gc') as (options?: object) => void;
// V8's intrinsic is compiled after the flag above is set.
const sameHiddenClass = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

const nextTaskObject = (): Promise<object> =>
  new Promise((resolve) => process.nextTick(() => resolve(executionAsyncResource())));

test('a pinned nextTick task object keeps the class of later task objects through full GCs', async () => {
  pinTickShape();
  await nextTaskObject();
  const pinned = pinnedTickObject();
  assert.ok(pinned, 'pinTickShape keeps a task object');
  assert.ok(Object.getOwnPropertySymbols(pinned).length >= 2, 'it is a nextTick task object (its async ids are symbol keys)');
  assert.ok(sameHiddenClass(await nextTaskObject(), pinned));
  // What V8's memory reducer runs on an idle server: full GCs that free what nothing holds.
  gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  assert.ok(sameHiddenClass(await nextTaskObject(), pinned), 'a task object made after the GC has the same hidden class');
  pinTickShape();
  assert.equal(pinnedTickObject(), pinned, 'pinning twice keeps the first object');
});
