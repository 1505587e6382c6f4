import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

// Three targets: the core + Electron main (one bundle with two entries: the desktop app and the
// headless server share chunks), the sandboxed preload (CommonJS, as sandboxed preloads must be),
// and the React dashboard (served by the gateway in a browser, loaded from disk in Electron).
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // Pure-JS dependencies are bundled (one file loads far faster than hundreds: this is most of
      // the cold start); native modules and keytar (optional: it needs libsecret) load at run time.
      externalizeDeps: { include: ['keytar'], exclude: ['zod', 'ws', 'prom-client', 'sirv', 'croner'] },
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'electron/main.ts'),
          serve: resolve(__dirname, 'main/serve.ts'),
          cli: resolve(__dirname, 'main/cli.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: resolve(__dirname, 'preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'renderer'),
    base: './',
    plugins: [react()],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      rollupOptions: { input: resolve(__dirname, 'renderer/index.html') },
    },
  },
});
