import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The Power BI emulator's report page script, built into dist/embed-page/reportEmbed.js.
export default defineConfig({
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../../../../dist/embed-page', import.meta.url)),
    emptyOutDir: true,
    lib: { entry: fileURLToPath(new URL('./reportEmbed.ts', import.meta.url)), formats: ['iife'], name: 'reportEmbed', fileName: () => 'reportEmbed.js' },
  },
});
