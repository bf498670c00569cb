// Lint for src/, tools/, test/, migrations/ and seeds/ (`npm run lint`, part of `npm test`).
// Formatting is prettier's (`npm run format`); folder arrows are dependency-cruiser's (.dependency-cruiser.cjs).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'data/**', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', Buffer: 'readonly' } },
    rules: {
      // After prettier: what it cannot wrap (long strings, comments) is wrapped by hand.
      'max-len': ['error', { code: 120, ignoreUrls: true, ignoreRegExpLiterals: true }],
      // `== null` covers null and undefined at once: the one loose comparison allowed.
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // A closure that reads a variable assigned once, later (a server the closure will see).
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      'no-duplicate-imports': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    // The pages' own browser scripts (served from /assets, no build step).
    files: ['views/assets/**/*.js'],
    languageOptions: {
      globals: { window: 'readonly', document: 'readonly', navigator: 'readonly', setTimeout: 'readonly' },
    },
  },
  {
    // The product writes through its logger or the CLI's io, never console.
    files: ['src/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    // Tests read JSON bodies of every shape; the product code stays typed.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      // Fixtures (signature base strings, Magento query strings) and test names stay whole.
      'max-len': [
        'error',
        { code: 120, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true },
      ],
    },
  },
);
