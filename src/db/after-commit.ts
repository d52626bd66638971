/**
 * After-commit callbacks of one transaction (or savepoint). A savepoint keeps its own list: it is
 * merged into the parent's on RELEASE and dropped on ROLLBACK TO, so an event registered by work
 * that was rolled back never fires.
 */
export type AfterCommitFn = () => void | Promise<void>;

/** Where failures of after-commit callbacks go: the transaction already committed, so they cannot fail it. */
export type AfterCommitErrorHandler = (err: unknown) => void;

export const defaultAfterCommitErrorHandler: AfterCommitErrorHandler = (err) => {
  console.error('galley: an afterCommit callback failed (the transaction was committed):', err);
};

/**
 * Runs callbacks in registration order, each awaited, outside any transaction context. A failing
 * callback is reported and does not stop the others.
 */
export async function runAfterCommit(fns: readonly AfterCommitFn[], onError: AfterCommitErrorHandler): Promise<void> {
  for (const fn of fns) {
    try {
      await fn();
    } catch (err) {
      onError(err);
    }
  }
}
