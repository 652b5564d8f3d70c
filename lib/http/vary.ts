// The Vary of a response bucketCors answers: CORS's fields appended to whatever the response holds, never overwriting it.

import type { ServerResponse } from 'node:http';
import vary from 'vary';
import { CORS_VARY } from '../core/response-headers.js';
import { onFirstUse } from '../on-first-use.js';

/** {@link CORS_VARY} in the mutable form the `vary` package's types ask for. */
const VARY_FIELDS: string[] = [...CORS_VARY];
/** What `vary` would write on a response without `Vary`, computed once. */
const VARY_VALUE = CORS_VARY.join(', ');

/** A response's headers as Node keeps them: lower-cased name → [name as set, value]. */
type HeaderTable = Record<string, readonly [string, unknown] | undefined> | null;

const http = onFirstUse<typeof import('node:http')>('node:http');

/**
 * The symbol under which Node keeps a response's headers, when a probe shows it keeps them as
 * {@link hasVary} reads them (set one, find it by its lower-cased name); `null` otherwise, and
 * `getHeader` is used. Reading the table is one property load, where `getHeader('vary')` costs about
 * 170 instructions of argument checks (an actual request's own work is about 1,000), about 470 once
 * Express has set `X-Powered-By`. Probed on the first call.
 */
function headerTableSymbol(): symbol | null {
  const { IncomingMessage, ServerResponse } = http();
  const probe = new ServerResponse(new IncomingMessage(null as never));
  probe.setHeader('Vary', 'Probe');
  for (const symbol of Object.getOwnPropertySymbols(probe)) {
    const table = (probe as unknown as Record<symbol, HeaderTable>)[symbol];
    if (table !== null && typeof table === 'object' && table['vary']?.[1] === 'Probe') return symbol;
  }
  return null;
}
let headerTable: symbol | null | undefined;

/** Whether the response holds a `Vary` already. */
export function hasVary(res: ServerResponse): boolean {
  const symbol = (headerTable ??= headerTableSymbol());
  if (symbol === null) return res.getHeader('vary') !== undefined;
  const table = (res as unknown as Record<symbol, HeaderTable | undefined>)[symbol];
  // Not Node's own response (a wrapper, a test double): ask it.
  if (table === undefined) return res.getHeader('vary') !== undefined;
  return table !== null && table['vary'] !== undefined;
}

/**
 * Appends {@link CORS_VARY} to the response's `Vary`, given whether it held one before. Without one
 * (the usual case) the result is known, so it is set directly; an existing `Vary` is merged by the
 * `vary` package, never overwritten.
 */
export function appendCorsVary(res: ServerResponse, varyBefore: boolean): void {
  if (!varyBefore) res.setHeader('Vary', VARY_VALUE);
  else vary(res, VARY_FIELDS);
}
