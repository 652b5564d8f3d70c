// `npm start` runs the package from dist/ and builds it first when lib/ is newer: tests that spawn the demo build
// it beforehand, so that no test's own timeout has to cover a build.

import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** How long a build may take on a busy machine (two tsc runs). */
export const PACKAGE_BUILD_TIMEOUT_MS = 180_000;

/** Builds dist/ unless it is current (scripts/ensure-build.mjs); waits for a build another process runs. */
export function ensurePackageBuilt(): void {
  execFileSync(process.execPath, [path.join(__dirname, '..', '..', 'scripts', 'ensure-build.mjs')], { stdio: ['ignore', 'inherit', 'inherit'], timeout: PACKAGE_BUILD_TIMEOUT_MS });
}
