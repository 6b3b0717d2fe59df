import js from '@eslint/js';
import vitest from '@vitest/eslint-plugin';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';
import noLoopOnlyExpect from './eslint-rules/no-loop-only-expect.js';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'migrations/**',
      'data/**',
      'coverage/**',
      'reports/**',
      '.stryker-tmp/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', 'scripts/*.mjs', 'eslint-rules/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/explicit-module-boundary-types': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      complexity: ['warn', 15],
    },
  },
  {
    // No import cycles in the product: each one is a module that cannot be understood (or loaded) alone.
    // Type-only imports are erased at build time and do not count.
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      ...importX.flatConfigs.typescript.settings,
      'import-x/resolver-next': [createTypeScriptImportResolver()],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true, allowUnsafeDynamicCyclicDependency: false }],
    },
  },
  {
    files: ['test/**', 'bench/**', 'scripts/**', 'eslint-rules/**'],
    rules: {
      '@typescript-eslint/explicit-module-boundary-types': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
  {
    // Tests that cannot fail: no assertion, a matcher that accepts nearly anything, an assertion that may
    // not run (conditional, or only inside a loop over a list that can be empty).
    files: ['test/**/*.test.ts'],
    plugins: { vitest, local: { rules: { 'no-loop-only-expect': noLoopOnlyExpect } } },
    rules: {
      'vitest/expect-expect': [
        'error',
        { assertFunctionNames: ['expect', 'expect*', '*.waitFor', 'assert*'] },
      ],
      'vitest/valid-expect': 'error',
      'vitest/no-conditional-expect': 'error',
      'vitest/no-identical-title': 'error',
      'vitest/no-focused-tests': 'error',
      'vitest/no-restricted-matchers': [
        'error',
        {
          toBeTruthy: 'say what the value is: toBe(true), toEqual(…), toMatchObject(…)',
          toBeFalsy: 'say what the value is: toBe(false), toBeNull(), toEqual(…)',
          toBeDefined: 'say what the value is: toEqual(…), toMatchObject(…)',
        },
      ],
      'local/no-loop-only-expect': 'error',
    },
  },
  {
    // Libraries load through src/vendor/, which the build bundles; a direct value import would load a
    // second, unbundled copy (src/vendor/README.md). Types may come from the library itself.
    files: ['src/**/*.ts'],
    ignores: ['src/vendor/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(@slack/bolt|@kubernetes/client-node|jira\\.js|zod|drizzle-orm(/.*)?|pino)$',
              message: 'import it from src/vendor/ (bundled at build); import type is fine',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  { files: ['*.js', 'eslint-rules/*.js'], ...tseslint.configs.disableTypeChecked },
  {
    // The playground page's script runs in the browser, as plain JavaScript.
    files: ['src/playground/static/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'module',
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'localStorage',
          'fetch',
          'EventSource',
          'CSS',
          'Intl',
          'Element',
          'URLSearchParams',
          'setTimeout',
          'clearTimeout',
          'crypto',
          'location',
          'history',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
);
