import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The operator console, bundled at build time into dist/console and served by the service at /console/
 * (same origin as the API: no request leaves it).
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 300,
  },
  logLevel: 'warn',
});
