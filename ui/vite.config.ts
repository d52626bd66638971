// Builds the admin dashboard (ui/) into dist/ui/, served by Galley under /_/ (src/http/routes/dashboard.ts).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/_/',
  publicDir: 'public',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  resolve: {
    alias: { react: 'preact/compat', 'react-dom': 'preact/compat' },
  },
  build: {
    outDir: fileURLToPath(new URL('../dist/ui/', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // One small app: a single chunk loads faster than a waterfall of lazy ones.
    chunkSizeWarningLimit: 400,
    reportCompressedSize: false,
  },
  server: {
    // `npm run dev:ui` proxies the API to a running `npm start`.
    proxy: { '/api': 'http://127.0.0.1:8090' },
  },
});
