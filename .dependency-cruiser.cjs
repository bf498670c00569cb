// The folder arrows of docs/architecture.md, checked by `npm run lint` (part of `npm test`).
// Each src/ folder may import its own files, src/clock.ts, npm packages and the folders listed here;
// anything else fails. Type-only imports count: a type is a dependency too.
const ARROWS = {
  errors: [],
  metrics: [],
  config: ['errors'],
  security: ['config', 'errors'],
  logging: ['config', 'errors'],
  db: ['security', 'logging', 'config', 'errors'],
  audit: ['db', 'security', 'logging', 'config', 'errors'],
  alerts: ['audit', 'db', 'security', 'logging', 'config', 'errors'],
  'rate-limits': ['audit', 'db', 'security', 'logging', 'config', 'errors'],
  'api-catalog': ['config', 'errors'],
  oauth1: ['config', 'errors'],
  clients: ['audit', 'db', 'security', 'config', 'errors'],
  oidc: ['clients', 'audit', 'db', 'security', 'logging', 'rate-limits', 'config', 'errors'],
  admins: ['oidc', 'audit', 'db', 'security', 'rate-limits', 'config', 'errors'],
  'magento-link': ['oauth1', 'api-catalog', 'audit', 'db', 'security', 'logging', 'rate-limits', 'config', 'errors'],
  gateway: [
    'metrics', 'magento-link', 'oauth1', 'api-catalog', 'oidc', 'clients', 'audit', 'db', 'security', 'logging', 'rate-limits',
    'config', 'errors',
  ],
  pages: [
    'magento-link', 'api-catalog', 'alerts', 'admins', 'oidc', 'clients', 'audit', 'db', 'security', 'logging', 'rate-limits',
    'config', 'errors',
  ],
  // `doctor` (issue 17): reads every service folder's state, never the other way round.
  diagnostics: ['magento-link', 'oauth1', 'api-catalog', 'oidc', 'clients', 'audit', 'db', 'security', 'config', 'errors'],
  health: ['db'],
  startup: ['config', 'db', 'security', 'errors'],
};
// The composition root and the entry points sit on top: runtime/ builds everything; cli/ uses it.
ARROWS.runtime = Object.keys(ARROWS);
ARROWS.cli = [...ARROWS.runtime, 'runtime'];

const folders = (names) => names.map((n) => n.replace(/[-/]/g, (c) => `\\${c}`)).join('|');
const srcFolderRules = Object.entries(ARROWS).map(([from, to]) => ({
  from: { path: `^src/${folders([from])}/` },
  to: { path: `^src/(${folders([from, ...to])})/|^src/(clock|runtime-check|project-root)\\.ts$${from === 'runtime' ? '|^src/app\\.ts$' : ''}` },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  allowed: [
    ...srcFolderRules,
    // Top-level files: the server entry (main.ts), the app's middleware order (app.ts, built by runtime/), leaves.
    { from: { path: '^src/(main|app)\\.ts$' }, to: { path: '^src/' } },
    { from: { path: '^src/(clock|runtime-check|project-root)\\.ts$' }, to: { path: '^$' } },
    // Test doubles and tools build on src/, never the other way round.
    { from: { path: '^(tools|test)/' }, to: { path: '^(src|tools|test|seeds)/' } },
    { from: { path: '^(migrations|seeds)/' }, to: { path: '^src/|^(migrations|seeds)/' } },
    // Packages and Node's own modules; src/ may use only runtime dependencies (see the forbidden rules).
    { from: {}, to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'core'] } },
  ],
  allowedSeverity: 'error',
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'src-not-on-doubles',
      comment: 'The product never imports the Magento emulator, test helpers or dev-only packages.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(tools|test)/' },
    },
    {
      name: 'src-no-dev-packages',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'], pathNot: '^node_modules/@types/' },
    },
    {
      name: 'pages-kit-below-families',
      comment: 'Page families build on the view kit; the kit knows no family.',
      severity: 'error',
      from: { path: '^src/pages/kit/' },
      to: { path: '^src/pages/(?!kit/)' },
    },
    {
      name: 'page-families-apart',
      severity: 'error',
      from: { path: '^src/pages/([^/]+)/' },
      to: { path: '^src/pages/', pathNot: ['^src/pages/$1/', '^src/pages/kit/'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
