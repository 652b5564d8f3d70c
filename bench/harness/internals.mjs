// The internals the benchmark measures directly, beside the package's public names: the one place it reaches
// into the build (dist/esm). Imported lazily (`await import(…)`), after the entry point has run ensureBuilt().

export { REFRESH_BATCH_MS } from '../../dist/esm/cache/cache.js';
export { decisionChannel } from '../../dist/esm/diagnostics.js';
export { createAddressing } from '../../dist/esm/http/resolve.js';
export { compileKeeping } from '../../dist/esm/core/compile.js';
export { configurationOfKey, contentKey } from '../../dist/esm/cache/size.js';
