import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'bench/results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@nestjs/core/*'], message: 'Use the public @nestjs/core entry only.' },
            {
              group: ['@shoal/*/src/*', '../../*/src/*'],
              message: 'Import another lib through its index (@shoal/<lib>).',
            },
          ],
        },
      ],
    },
  },
  // The sample's dashboard page runs in the browser, with the Socket.IO client as a global.
  {
    files: ['apps/sample/public/**/*.js'],
    languageOptions: { sourceType: 'script', globals: { ...globals.browser, io: 'readonly' } },
  },
);
