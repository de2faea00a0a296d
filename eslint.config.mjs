// ESLint with typescript-eslint's recommended rules (the convention of VS Code's extension samples),
// run by `npm test` (stage `lint`) over the TypeScript sources, the tests, the tools and the scripts.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '.cache/**', 'test-results/**', 'media/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      // `_`-prefixed names are deliberately unused (callback positions, destructuring).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      'no-console': 'off',
    },
  },
  // TypeScript checks names itself (typescript-eslint's advice: no-undef only adds false alarms).
  { files: ['**/*.ts'], rules: { 'no-undef': 'off' } },
  // Browser code, and test code that runs functions inside the page (Playwright's evaluate).
  { files: ['webview/**', 'test/ui/**', 'test/harness/**'], languageOptions: { globals: { ...globals.browser } } },
  { files: ['test/**', 'tools/**'], languageOptions: { globals: { ...globals.mocha } } },
);
