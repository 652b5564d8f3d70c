// One change of a bucket's rules in Redis: the Lua script that checks the condition, writes and records the history in one atomic step, and the history's format.

import type { ConfigurationChange, StoredConfiguration } from '../types.js';
import type { ResolvedOrigin } from '../lifecycle.js';
import { luaScript } from './clients.js';

/**
 * Lua shared by the change scripts: `stored(key)` answers a key's value, its version (`''` when it
 * holds none of ours) and whether it is ours; `refused(...)` whether a condition (`any`, `none`,
 * `match`) fails; `remember(limit, entry)` records a change in the history (KEYS[2]), or drops the
 * history when `limit` is 0.
 */
export const CHANGE_LUA = `
local function stored(key)
  local value = redis.call('GET', key)
  local version = ''
  local readable = false
  if value then
    local ok, decoded = pcall(cjson.decode, value)
    readable = ok and type(decoded) == 'table' and type(decoded.v) == 'string'
    if readable then version = decoded.v end
  end
  return value, version, readable
end
local function refused(condition, wanted, value, version)
  return (condition == 'none' and value) or (condition == 'match' and (not value or version ~= wanted))
end
local function remember(limit, entry)
  if limit == 0 then
    redis.call('DEL', KEYS[2])
  else
    redis.call('LPUSH', KEYS[2], entry)
    redis.call('LTRIM', KEYS[2], 0, limit - 1)
  end
end
`;

/**
 * KEYS[1]: the bucket's rules (`{"v":…,"rules":…}`); KEYS[2]: its history, a list, newest first;
 * KEYS[3]: its report-only candidate, removed with the history (`drop`).
 * ARGV: condition (`any`, `none`, `match`), the version to match, the new value (`''` deletes), the
 * change record (JSON), the history length, `drop` to remove the history.
 * Answers {status, had rules (0/1), their version or ''}: status 0 = condition failed (nothing
 * written), 1 = applied, 2 = nothing to delete. The replaced value goes into the history as it was
 * stored (`{"change":…,"was":…}`), so a rollback restores it exactly.
 */
export const CHANGE_SCRIPT = luaScript(`${CHANGE_LUA}
local current, version, readable = stored(KEYS[1])
local had = current and 1 or 0
if refused(ARGV[1], ARGV[2], current, version) then return {0, had, version} end
local limit = tonumber(ARGV[5])
local dropped = ARGV[6] == 'drop'
if dropped then redis.call('DEL', KEYS[2], KEYS[3]) end
if ARGV[3] == '' and not current then
  if limit == 0 then redis.call('DEL', KEYS[2]) end
  return {2, 0, ''}
end
if ARGV[3] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[3]) end
if not dropped then remember(limit, '{"change":' .. ARGV[4] .. ',"was":' .. (readable and current or 'null') .. '}') end
return {1, had, version}
`);

/** What the script answered. */
export interface ChangeOutcome {
  readonly status: 'failed' | 'applied' | 'unchanged';
  /** The version replaced (`null`: none, or a value that was not a stored configuration). */
  readonly previousVersion: string | null;
}

export function readChangeOutcome(reply: unknown): ChangeOutcome {
  if (!Array.isArray(reply) || reply.length !== 3) throw new TypeError('RedisRuleStore: unexpected answer from the change script');
  const [status, had, version] = reply.map((item: unknown) => (typeof item === 'number' ? item : String(item)));
  return {
    status: status === 0 ? 'failed' : status === 1 ? 'applied' : 'unchanged',
    previousVersion: had === 1 && version !== '' ? String(version) : null,
  };
}

/** The change record's JSON, as the script stores it; without `version` (`undefined`) for the promote script, which adds the candidate's. */
export function changeRecordText(version: string | null | undefined, origin: ResolvedOrigin, time: number): string {
  return JSON.stringify({ v: version, t: time, by: origin.principal, src: origin.source });
}

interface StoredChange {
  readonly change: { readonly v: string | null; readonly t: number; readonly by: string | null; readonly src: ConfigurationChange['source'] };
  readonly was: { readonly v: string; readonly rules: StoredConfiguration['configuration'] } | null;
}

/** One history element as a {@link ConfigurationChange}; `undefined` for one that is not ours. */
export function parseHistoryEntry(raw: string): ConfigurationChange | undefined {
  let entry: Partial<StoredChange> | null;
  try {
    entry = JSON.parse(raw) as Partial<StoredChange> | null;
  } catch {
    return undefined;
  }
  const change = entry?.change;
  if (change === undefined || typeof change.t !== 'number' || typeof change.src !== 'string') return undefined;
  const was = entry!.was ?? null;
  // Only a stored configuration can be rolled back to (a value written by hand may be anything).
  const previous = was !== null && typeof was.rules === 'object' && was.rules !== null && Array.isArray(was.rules.CORSRules) ? was.rules : null;
  return {
    version: change.v ?? null,
    previousVersion: typeof was?.v === 'string' ? was.v : null,
    previous,
    time: new Date(change.t).toISOString(),
    source: change.src,
    principal: change.by ?? null,
  };
}
