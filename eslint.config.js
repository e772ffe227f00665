// ESLint flat config: typescript-eslint's recommended rules, the house rule that core code (core, cli, serve, models)
// never imports electron, react or react-dom, the layer rules of the core and the renderer (house rule 16), and the
// longest function allowed (house rule 18).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeGlobals = {
  process: 'readonly',
  Buffer: 'readonly',
  console: 'readonly',
  setTimeout: 'readonly',
  clearTimeout: 'readonly',
  setInterval: 'readonly',
  clearInterval: 'readonly',
  setImmediate: 'readonly',
  URL: 'readonly',
  URLSearchParams: 'readonly',
  AbortController: 'readonly',
  AbortSignal: 'readonly',
  TextEncoder: 'readonly',
  TextDecoder: 'readonly',
  fetch: 'readonly',
  structuredClone: 'readonly',
  performance: 'readonly',
  queueMicrotask: 'readonly',
  __dirname: 'readonly',
  __filename: 'readonly',
  require: 'readonly',
  module: 'writable',
  globalThis: 'readonly',
};

const forbiddenInCore = {
  paths: [
    {
      name: 'electron',
      message:
        'Core code (core, cli, serve, models) must not import electron: pass capabilities in instead (house rule 1).',
    },
    { name: 'react', message: 'Core code must not import react (house rule 1).' },
    { name: 'react-dom', message: 'Core code must not import react-dom (house rule 1).' },
  ],
  patterns: [
    {
      group: ['electron/*', 'react/*', 'react-dom/*'],
      message: 'Core code must not import electron/react (house rule 1).',
    },
  ],
};

// House rule 16: the layers of the core. Each entry adds a regular expression over the import string that a folder
// must not import, on top of the core rule above.
const HOSTS = '/(cli|serve|electron|handlers)/';
const layer = (message, regex) => ({
  ...forbiddenInCore,
  patterns: [...forbiddenInCore.patterns, { regex, message: `Layer rule (house rule 16): ${message}` }],
});
const layers = [
  // media sits on the contract and the platform only: everything else under core/ is above it.
  [
    'src-main/core/media/**',
    layer('media imports only src-main/api and core/platform.', '^\\.\\./(?!\\.\\./api/|platform/)'),
  ],
  [
    'src-main/core/molmo2/**',
    layer('molmo2 must not import library, analytics or a host.', `/(library|analytics)/|${HOSTS}`),
  ],
  ['src-main/core/library/**', layer('library must not import analytics or a host.', `/analytics/|${HOSTS}`)],
  ['src-main/core/analytics/**', layer('analytics must not import a host.', HOSTS)],
  [
    'src-main/core/models/**',
    layer('models must not import library, analytics or a host.', `/(library|analytics)/|${HOSTS}`),
  ],
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'dist-*/**',
      'release/**',
      'tests/.tmp/**',
      'test-results/**',
      '.cache/**',
      'reference-py/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: nodeGlobals },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-explicit-any': 'warn',
      'no-empty': ['error', { allowEmptyCatch: true }],
      // Style choices left to each area (comma sequences in tight loops, defensive initial values, escapes in regexes).
      '@typescript-eslint/no-unused-expressions': 'off',
      'no-useless-assignment': 'off',
      'no-useless-escape': 'warn',
    },
  },
  {
    files: ['src-main/core/**', 'src-main/cli/**', 'src-main/serve/**', 'src-main/api/**', 'models/**'],
    rules: { 'no-restricted-imports': ['error', forbiddenInCore] },
  },
  ...layers.map(([glob, options]) => ({ files: [glob], rules: { 'no-restricted-imports': ['error', options] } })),
  {
    // House rule 18: a function reads top to bottom in one screen. Over 80 lines needs an
    // `// eslint-disable-next-line max-lines-per-function -- <why>` comment saying why.
    files: ['src-main/**', 'src-renderer/**'],
    rules: { 'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true }] },
  },
  {
    // The renderer talks to the app only through the contract (house rules 1 and 16).
    files: ['src-renderer/src/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '/src-main/(?!api/)|/models/|^node:|^(electron|better-sqlite3|onnxruntime-node|ws)$',
              message:
                'Layer rule (house rule 16): the renderer imports only src-main/api (the contract), never core, hosts or Node.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src-renderer/src/**'],
    languageOptions: {
      globals: {
        window: 'readonly',
        document: 'readonly',
        location: 'readonly',
        history: 'readonly',
        sessionStorage: 'readonly',
        localStorage: 'readonly',
        WebSocket: 'readonly',
        fetch: 'readonly',
        navigator: 'readonly',
        HTMLElement: 'readonly',
        requestAnimationFrame: 'readonly',
        cancelAnimationFrame: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
  },
);
