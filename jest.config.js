// The AWS SDK warns on every client that Node 20 support ends in 2027; it says nothing about this project.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/**
 * The demo imports the package by name, as a user would: each entry point of package.json `exports`
 * (`express-bucket-cors`, `express-bucket-cors/s3`, …) maps to the source file its build comes from.
 */
function packageEntryPoints() {
  const { name, exports: entries } = require('./package.json');
  const mapper = {};
  for (const [subpath, target] of Object.entries(entries)) {
    if (typeof target !== 'object') continue;
    const source = target.require.default.replace(/^\.\/dist\/cjs\//, '').replace(/\.js$/, '.ts');
    mapper[`^${name}${subpath.slice(1)}$`] = `<rootDir>/lib/${source}`;
  }
  return mapper;
}

/** Tests run from TypeScript through SWC (no type checking here: `npm run typecheck` does that). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.tsx?$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }],
  },
  // Sources import each other with ".js" specifiers (required for the ESM build); map them to the .ts files.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1', ...packageEntryPoints() },
  testTimeout: 30000,
  // Every suite stops what it started, but a client library may keep a reconnect timer past its own
  // destroy() (node-redis's Sentinel and Cluster clients were seen to): end the run once results are in.
  forceExit: true,
};
