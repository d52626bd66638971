/**
 * Fastify's JSON-schema compilers (Ajv for validation, fast-json-stringify for responses), loaded
 * the first time a route with a schema is compiled instead of when the Fastify instance is made.
 * Galley's own routes declare no JSON schema (custom routes validate with zod), so a plain start
 * never needs them: they are ~110 CommonJS modules, ~0.2 s of CPU and a few MB of RSS at start.
 *
 * Fastify requires the compilers synchronously at route compile time, hence `require`, not `import()`.
 */
import { createRequire } from 'node:module';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';

type SchemaControllerOptions = NonNullable<FastifyServerOptions['schemaController']>;
type CompilersFactory = NonNullable<SchemaControllerOptions['compilersFactory']>;
// The factories' typings are overloaded per schema flavour; these only forward their arguments.
type Factory = (...args: unknown[]) => unknown;

// Resolved from Fastify's own location: they are its dependencies, not Galley's, and a strict
// layout (pnpm) does not hoist them where Galley's files could see them.
const require = createRequire(createRequire(import.meta.url).resolve('fastify'));
let validatorFactory: Factory | undefined;
let serializerFactory: Factory | undefined;

/** The `schemaController` option: Fastify's default compilers, each required on first use. */
export const lazySchemaController: SchemaControllerOptions = {
  compilersFactory: {
    buildValidator: function lazyValidator(...args: unknown[]) {
      validatorFactory ??= (require('@fastify/ajv-compiler') as () => Factory)();
      return validatorFactory(...args);
    } as CompilersFactory['buildValidator'],
    buildSerializer: function lazySerializer(...args: unknown[]) {
      serializerFactory ??= (require('@fastify/fast-json-stringify-compiler') as () => Factory)();
      return serializerFactory(...args);
    } as CompilersFactory['buildSerializer'],
  },
};

/**
 * Fastify takes a factory passed in options for a custom (non-Ajv) compiler and then hands header
 * schemas over without lower-casing their property names. These are its own compilers, so the root
 * schema controller (which child contexts copy) is told so before any route or plugin is added.
 */
export function treatCompilersAsFastifys(fastify: FastifyInstance): void {
  const key = Object.getOwnPropertySymbols(fastify).find((s) => s.description === 'fastify.schemaController');
  const controller = key ? (fastify as unknown as Record<symbol, { isCustomValidatorCompiler?: boolean; isCustomSerializerCompiler?: boolean } | undefined>)[key] : undefined;
  if (!controller) return;
  controller.isCustomValidatorCompiler = false;
  controller.isCustomSerializerCompiler = false;
}
