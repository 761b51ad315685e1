// The lint rules CI enforces (`npm run lint`, part of `npm test`). Few rules, each catching a
// bug or a seam the typecheck does not: a promise nobody awaits (a lost error, a shutdown that
// does not wait), type-only imports that would load a module at run time, dead code, and
// `export *`, which hides what a package's contract is.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const common = {
  '@typescript-eslint/no-unused-vars': [
    'error',
    {
      args: 'after-used',
      argsIgnorePattern: '^_',
      varsIgnorePattern: '^_',
      caughtErrors: 'none',
      ignoreRestSiblings: true,
    },
  ],
  'no-restricted-syntax': [
    'error',
    {
      selector: 'ExportAllDeclaration[exported=null]',
      message: "Name what a module re-exports: `export *` hides a package's contract (`export * as ns` is fine).",
    },
  ],
};

export default defineConfig(
  {
    ignores: ['**/node_modules/**', '**/dist/**', '**/build/**', 'bench-results/**', '.turbo/**', '**/.turbo/**'],
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      // From the root (`npm run lint`, CI) one program over the root tsconfig.json types every file:
      // four times faster than a program per workspace. Inside a workspace (turbo's lint task)
      // its own tsconfig.json is enough.
      parserOptions:
        process.cwd() === import.meta.dirname
          ? { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname }
          : { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      ...common,
      // node:test's test() and describe() return promises the runner itself awaits
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: common,
  },
);
