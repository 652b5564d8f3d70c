// Dependencies loaded when first needed rather than when the package is imported: the XML parser
// and the CRC checksums cost a process most of what `require('express-bucket-cors')` did, and only
// admin calls and document parsing use them (bench/README.md, `instructions_require`).

import { createRequire } from 'node:module';

/**
 * A synchronous `require` resolving from this package, in both builds: scripts/build.mjs writes
 * `import.meta.url` for `__filename` in the ES module build, where `__filename` does not exist.
 */
const requireFromPackage = createRequire(__filename);

/**
 * A function returning module `specifier`, loaded on its first call and kept. A module that fails to
 * load throws from that call (and is tried again on the next), inside the operation that needed it.
 */
export function onFirstUse<T>(specifier: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireFromPackage(specifier) as T);
}
