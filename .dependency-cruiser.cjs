/**
 * The layering of ARCHITECTURE.md, checked by `npm run lint` (and so by CI):
 * domain ← application ← infrastructure, the domain framework-free, and no import cycles.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'Modules that import each other cannot be understood, tested or replaced one at a time.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment: 'The domain imports nothing but itself: no framework, no library, no outer layer.',
      from: { path: '^src/domain' },
      to: { pathNot: '^src/domain' },
    },
    {
      name: 'application-not-infrastructure',
      severity: 'error',
      comment: 'The application sees adapters only through its ports.',
      from: { path: '^src/application' },
      to: { path: '^src/(infrastructure|cli|modules)/|^src/(app|main|runtime)[.]' },
    },
    {
      name: 'ports-are-the-floor',
      severity: 'error',
      comment: 'Ports import nothing from the application above them: only the domain and other ports.',
      from: { path: '^src/application/ports' },
      to: { path: '^src/', pathNot: '^src/(domain|application/ports)/' },
    },
    {
      name: 'infrastructure-not-composition',
      severity: 'error',
      comment: 'Adapters do not reach into the composition root or the command-line programs.',
      from: { path: '^src/infrastructure' },
      to: { path: '^src/(cli/|modules/|app[.]|main[.]|runtime[.])' },
    },
    {
      name: 'src-not-test',
      severity: 'error',
      from: { path: '^src' },
      to: { path: '^test' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '^dist' },
  },
};
