/** Runs the CLI from source (`node --import tsx src/cli/main-entry.ts ...`), as the tests do. */
import { main } from './main.js';

await main(process.argv.slice(2));
