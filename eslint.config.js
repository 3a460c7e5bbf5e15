// ESLint flat config: typescript-eslint's recommended rules on every TypeScript file we write.
// Formatting is Prettier's job (`npx prettier --check .`), so no stylistic rules here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'imports/', 'node_modules/', '**/.venv/', 'coverage/', 'docs/', '.cache/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly', URL: 'readonly', fetch: 'readonly' } },
    rules: {
      // `_`-prefixed bindings are deliberately unused (destructuring to drop a key, callback arity).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
  {
    // Walking parsed YAML/JSON of objects we did not type (API server answers, upstream configs,
    // rendered manifests in tests): `any` there is honest; rendering code (charts/, envs/) stays typed.
    files: ['test/**', 'tools/**', 'lib/kube.ts', 'lib/dist-diff.ts', 'cli/verify.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
