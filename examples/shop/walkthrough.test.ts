// The README's walkthrough, run as is against a fresh `galley serve --dev --app examples/shop/galley.config.ts`.
import { test } from 'node:test';
import { runReadmeWalkthrough } from '../../test/examples/readme-walkthrough.js';

test('examples/shop README walkthrough', async () => {
  await runReadmeWalkthrough('examples/shop/README.md', { app: 'examples/shop/galley.config.ts', serveArgs: ['--dev'] });
});
