/**
 * Keeps one `process.nextTick` task object alive for the life of the process.
 *
 * Node's nextTick builds each task as an object literal with computed (symbol) keys. V8 records
 * the hidden class after each key weakly, and the runtime that defines such keys turns the site
 * megamorphic for good the first time it sees a different class. While a server idles no task
 * object is alive, so a full GC (V8's memory reducer runs one a few seconds into an idle period)
 * frees those classes; the next tasks get new ones, and from then on every nextTick (several per
 * request, inside Node's streams) defines its keys through a slow runtime call: about 6 % of a
 * get-by-id's CPU after the server had sat idle once. A live task object keeps its class, and
 * through its back pointers the whole chain, alive.
 */
import { executionAsyncResource } from 'node:async_hooks';

let pinned: object | undefined;

/** The pinned task object (for the test). */
export function pinnedTickObject(): object | undefined {
  return pinned;
}

export function pinTickShape(): void {
  if (pinned !== undefined) return;
  // Inside a nextTick callback, the current async resource is that tick's task object.
  process.nextTick(() => {
    pinned = executionAsyncResource();
  });
}
