/**
 * `request.log` created on first use. Fastify makes a child logger per request (pino serialises
 * its bindings, the request id, into a string each time), and Galley logs from a request only when
 * something unexpected fails: request logs go to `_logs`, not to this logger. The child is made
 * with the same bindings and options the moment anything logs through it.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, LevelWithSilentOrString } from 'pino';

type LogArgs = Parameters<FastifyBaseLogger['info']>;

class LazyChildLogger implements FastifyBaseLogger {
  #parent: FastifyBaseLogger;
  #bindings: Bindings;
  #options: ChildLoggerOptions;
  #child: FastifyBaseLogger | undefined;

  constructor(parent: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#options = options;
  }

  get #log(): FastifyBaseLogger {
    return (this.#child ??= this.#parent.child(this.#bindings, this.#options));
  }

  get level(): LevelWithSilentOrString {
    return this.#child ? this.#child.level : (this.#options.level ?? this.#parent.level);
  }
  set level(level: LevelWithSilentOrString) {
    this.#log.level = level;
  }
  fatal(...args: LogArgs): void {
    this.#log.fatal(...args);
  }
  error(...args: LogArgs): void {
    this.#log.error(...args);
  }
  warn(...args: LogArgs): void {
    this.#log.warn(...args);
  }
  info(...args: LogArgs): void {
    this.#log.info(...args);
  }
  debug(...args: LogArgs): void {
    this.#log.debug(...args);
  }
  trace(...args: LogArgs): void {
    this.#log.trace(...args);
  }
  silent(...args: LogArgs): void {
    this.#log.silent(...args);
  }
  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#log.child(bindings, options);
  }
}

/** Fastify's `childLoggerFactory`. */
export function lazyChildLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new LazyChildLogger(logger, bindings, options);
}
