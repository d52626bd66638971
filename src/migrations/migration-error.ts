/**
 * A migration that could not be loaded, applied or reverted. It names the file so the operator
 * knows where to look; the cause is kept for `--dev` diagnostics but never printed as a stack.
 */
export class MigrationError extends Error {
  readonly file: string;

  constructor(file: string, reason: string, cause?: unknown) {
    super(`migration ${file} ${reason}`, cause === undefined ? undefined : { cause });
    this.name = 'MigrationError';
    this.file = file;
  }
}
