// ESLint for the whole repository: typescript-eslint's recommended rules and the layer rule
// (eslint-plugin-boundaries) that keeps the README's arrows one-way. Import cycles are
// checked by scripts/check-cycles.ts, which `npm run lint` runs after this.
//
// The layers, outermost first (an arrow is "may import"):
//
//   app (main, app, config, create-crm: the composition root) → anything in src/
//   listeners (Slack adapters) → services, parse, ui, slack, store, crm/port; types of the scheduler
//   scheduler (runtime/scheduler.ts, runtime/digest-*.ts) → services, ui, store, slack, runtime, crm/port
//                              the digest's Slack adapter on a clock: where a listener is woken by a
//                              Slack payload, it is woken by a slot coming due, then it calls the
//                              digest use case, draws the digest with ui/ and posts it. So it may
//                              import what a listener may; listeners hold its `Scheduler` as a type.
//   services (use cases)       → parse, store, crm/port
//   crm adapters               → crm/port, crm/http, store          (the port's other side)
//   ui (pure renderers)        → ui, crm/port (pure domain: types and helpers such as lastChangedAt; a
//                                renderer holds no CrmClient, so it cannot call the CRM); types only
//                                from parse (the grammar's kinds) and services (outcomes)
//   parse (pure grammar)       → parse, crm/port types
//   crm/port (domain)          → nothing but errors
//   domain (src/domain: digest schedules, time zones) → domain, errors; crm/port types. Pure rules and
//                                types with no words, needed by parse, store, services, ui and the
//                                scheduler alike, so every layer may import it (like the kernel)
//   store                      → store, crm/port types (it keeps domain objects)
//   runtime, slack, store      → infrastructure: each other and the kernel
//   errors, logger             → usable from every layer
//   test/                      → anything; src/ and bench/ never import test/, src/ never imports bench/
//   bench/                     → src/ and bench/ (bench/support/ holds the loopback fakes tests share)
//
// ui may import a use case's outcome *type* (the board, the timeline summary it draws), never
// its code: a renderer draws what a use case returns, it does not call it.

import js from '@eslint/js';
import boundaries from 'eslint-plugin-boundaries';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';

const resolver = fileURLToPath(new URL('./scripts/eslint-ts-resolver.cjs', import.meta.url));

const element = (type) => ({ element: { type } });
const to = (...types) => types.map(element);
const typesOnly = (...types) => ({ to: types.map(element), dependency: { kind: 'type' } });

/** Layers every src/ layer may use: the typed errors, the logger and the pure domain (src/domain). */
const KERNEL = ['errors', 'logger', 'domain'];

/** Every layer of src/: what the composition root may wire together (never test/ or bench/). */
const SRC_LAYERS = [
  'app',
  'errors',
  'logger',
  'domain',
  'crm-port',
  'crm-http',
  'crm-adapter',
  'listeners',
  'services',
  'ui',
  'parse',
  'store',
  'slack',
  'scheduler',
  'runtime',
  'console',
];

export default tseslint.config(
  {
    ignores: ['node_modules/', 'dist/', 'coverage/', 'data/', 'bench/results/', 'test/fixtures/', 'test/contract/specs/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { console: 'readonly', process: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' },
    },
    rules: {
      // `_`-prefixed names are deliberately unused (Bolt callbacks' positional arguments).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', exports: 'writable' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.ts', '**/*.js', '**/*.cjs'],
    plugins: { boundaries },
    settings: {
      'import/resolver': { [resolver]: {} },
      // `mode: 'full'` is deprecated in v7, but it is the only way to make a single file
      // (main.ts, errors.ts, port.ts) an element; the warning says nothing we can act on.
      'boundaries/legacy-warnings': false,
      'boundaries/root-path': fileURLToPath(new URL('.', import.meta.url)),
      'boundaries/elements': [
        { type: 'app', pattern: ['src/main.ts', 'src/app.ts', 'src/config.ts', 'src/crm/create-crm.ts'], mode: 'full' },
        { type: 'errors', pattern: 'src/errors.ts', mode: 'full' },
        { type: 'logger', pattern: 'src/logger.ts', mode: 'full' },
        { type: 'crm-port', pattern: 'src/crm/port.ts', mode: 'full' },
        { type: 'domain', pattern: 'src/domain/**', mode: 'full' },
        { type: 'crm-http', pattern: 'src/crm/http/**', mode: 'full' },
        { type: 'crm-adapter', pattern: 'src/crm/**', mode: 'full' },
        { type: 'listeners', pattern: 'src/listeners/**', mode: 'full' },
        { type: 'services', pattern: 'src/services/**', mode: 'full' },
        { type: 'ui', pattern: 'src/ui/**', mode: 'full' },
        { type: 'parse', pattern: 'src/parse/**', mode: 'full' },
        { type: 'store', pattern: 'src/store/**', mode: 'full' },
        { type: 'slack', pattern: 'src/slack/**', mode: 'full' },
        { type: 'scheduler', pattern: ['src/runtime/scheduler.ts', 'src/runtime/digest-*.ts', 'src/runtime/alert-*.ts'], mode: 'full' },
        { type: 'runtime', pattern: 'src/runtime/**', mode: 'full' },
        { type: 'console', pattern: 'src/console/**', mode: 'full' },
        { type: 'test', pattern: 'test/**', mode: 'full' },
        { type: 'bench', pattern: 'bench/**', mode: 'full' },
      ],
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          message: '{{from.element.type}} may not import {{to.element.type}} ({{to.file.path}}); see the layer map in eslint.config.js',
          policies: [
            { from: element('app'), allow: { to: to(...SRC_LAYERS) } },
            {
              from: element('listeners'),
              allow: { to: to('listeners', 'services', 'parse', 'ui', 'slack', 'store', 'crm-port', ...KERNEL) },
            },
            { from: element('listeners'), allow: typesOnly('scheduler') },
            {
              from: element('scheduler'),
              allow: { to: to('scheduler', 'runtime', 'services', 'ui', 'slack', 'store', 'crm-port', ...KERNEL) },
            },
            { from: element('services'), allow: { to: to('services', 'parse', 'store', 'crm-port', ...KERNEL) } },
            { from: element('crm-adapter'), allow: { to: to('crm-adapter', 'crm-http', 'crm-port', 'store', ...KERNEL) } },
            { from: element('crm-http'), allow: { to: to('crm-http', 'crm-port', ...KERNEL) } },
            { from: element('crm-port'), allow: { to: to('crm-port', 'errors') } },
            { from: element('ui'), allow: { to: to('ui', 'crm-port', 'errors', 'domain') } },
            { from: element('ui'), allow: typesOnly('services', 'parse') },
            { from: element('parse'), allow: { to: to('parse', 'errors', 'domain') } },
            { from: element('parse'), allow: typesOnly('crm-port') },
            { from: element('store'), allow: { to: to('store', ...KERNEL) } },
            { from: element('store'), allow: typesOnly('crm-port') },
            { from: element('domain'), allow: { to: to('domain', 'errors') } },
            { from: element('domain'), allow: typesOnly('crm-port') },
            { from: element('errors'), allow: { to: to('crm-port') } },
            { from: element('slack'), allow: { to: to('slack', ...KERNEL) } },
            // Process infrastructure (ops server, metrics, shutdown); the logger reads its request context.
            { from: element('runtime'), allow: { to: to('runtime', 'slack', 'store', ...KERNEL) } },
            { from: element('logger'), allow: { to: to('runtime') } },
            { from: element('console'), allow: { to: to('console', 'slack', 'ui', ...KERNEL) } },
            { from: element('test'), allow: { to: { element: { type: '*' } } } },
            { from: element('bench'), allow: { to: { element: { type: '!test' } } } },
          ],
        },
      ],
    },
  },
);
