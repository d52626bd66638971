/** One area of the built-in (collection-independent) routes: its tag, paths and own schemas. */
import type { JsonSchema, PathEntry } from '../openapi-helpers.js';

export interface PathArea {
  tag: { name: string; description: string };
  paths(): PathEntry[];
  /** Component schemas only this area uses. */
  schemas?: Record<string, JsonSchema>;
}
