import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests read raw JSON-RPC frames off the wire; those are untyped by nature.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // The core runs under plain Node: it must never reach for Electron or the UI.
    files: ['main/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['electron', 'electron/*'], message: 'main/ is the core and never imports Electron (use electron/ to adapt).' },
          { group: ['**/electron/**', '**/renderer/**', '**/preload/**'], message: 'main/ must not depend on the desktop or UI layers.' },
        ],
      }],
    },
  },
  {
    // The contract is shared with the renderer and preload: no Node built-ins in it.
    files: ['main/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ['node:*', 'ws', 'better-sqlite3'], message: 'main/contract is shared with the browser: keep it free of Node modules.' }] }],
    },
  },
);
