// A bucket's report-only candidate in Redis: the key beside its rules, the script that writes it conditionally, and the one that promotes it with its history.

import { luaScript } from './clients.js';
import { CHANGE_LUA } from './changes.js';

/** Appended to a bucket's key to name its report-only candidate (same Cluster slot, see `companionKey`). */
export const CANDIDATE_KEY_SUFFIX = ':candidate';

/**
 * KEYS[1]: the candidate (`{"v":…,"rules":…}`, as a bucket's rules). ARGV: condition (`any`,
 * `none`, `match`), the version to match, the new value (`''` deletes). Answers as the change
 * script: {status, had one (0/1), its version or ''}; status 0 = condition failed, 1 = applied, 2 =
 * nothing to delete. No history: only promotions are changes of the enforced rules.
 */
export const CANDIDATE_SCRIPT = luaScript(`${CHANGE_LUA}
local current, version = stored(KEYS[1])
local had = current and 1 or 0
if refused(ARGV[1], ARGV[2], current, version) then return {0, had, version} end
if ARGV[3] == '' then
  if not current then return {2, 0, ''} end
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[3])
end
return {1, had, version}
`);

/**
 * KEYS[1]: the bucket's rules; KEYS[2]: its history; KEYS[3]: its candidate. ARGV: the enforced
 * condition (`any`, `none`, `match`) and version, the candidate's condition (`any`, `match`) and
 * version, the change record without its version (JSON, `{"t":…}`), the history length.
 * The candidate's value becomes the rules as it is (so the version stays), the candidate is removed
 * and the change recorded, in one step. Answers {status, had rules (0/1), their version or '', the
 * candidate's version or '', the value promoted or ''}: status 0 = enforced condition failed, 1 =
 * promoted, 3 = candidate condition failed, 4 = no candidate (or not one of ours).
 */
export const PROMOTE_SCRIPT = luaScript(`${CHANGE_LUA}
local candidate, candidateVersion, ours = stored(KEYS[3])
if not ours then return {4, 0, '', '', ''} end
if refused(ARGV[3], ARGV[4], candidate, candidateVersion) then return {3, 0, '', candidateVersion, ''} end
local current, version, readable = stored(KEYS[1])
local had = current and 1 or 0
if refused(ARGV[1], ARGV[2], current, version) then return {0, had, version, candidateVersion, ''} end
redis.call('SET', KEYS[1], candidate)
redis.call('DEL', KEYS[3])
local record = '{"v":' .. cjson.encode(candidateVersion) .. ',' .. string.sub(ARGV[5], 2)
remember(tonumber(ARGV[6]), '{"change":' .. record .. ',"was":' .. (readable and current or 'null') .. '}')
return {1, had, version, candidateVersion, candidate}
`);

/** What the promote script answered. */
export interface PromoteOutcome {
  readonly status: 'applied' | 'enforced-failed' | 'candidate-failed' | 'no-candidate';
  /** The enforced version replaced (or found, when refused); `null`: none. */
  readonly previousVersion: string | null;
  /** The candidate's version (`null`: none). */
  readonly candidateVersion: string | null;
  /** The value promoted, as stored; `''` unless applied. */
  readonly value: string;
}

const PROMOTE_STATUS: Readonly<Record<number, PromoteOutcome['status']>> = { 0: 'enforced-failed', 1: 'applied', 3: 'candidate-failed', 4: 'no-candidate' };

export function readPromoteOutcome(reply: unknown): PromoteOutcome {
  const status = Array.isArray(reply) && reply.length === 5 ? PROMOTE_STATUS[Number(reply[0])] : undefined;
  if (status === undefined) throw new TypeError('RedisRuleStore: unexpected answer from the promote script');
  const [, had, version, candidateVersion, value] = (reply as unknown[]).map((item) => (typeof item === 'number' ? item : String(item)));
  return {
    status,
    previousVersion: had === 1 && version !== '' ? String(version) : null,
    candidateVersion: candidateVersion === '' ? null : String(candidateVersion),
    value: String(value),
  };
}
