import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The sample SPA: built into dist/web, served by npm start (dev/web/spaServer.ts) or any static host.
const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  envDir: root,
  build: { outDir: fileURLToPath(new URL('../dist/web', import.meta.url)), emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 1024 },
  logLevel: 'warn',
});
