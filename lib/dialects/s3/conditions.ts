// Conditional PutBucketCors and DeleteBucketCors (an extension to S3): the configuration's version as an ETag, If-Match and If-None-Match: * read from the request.

import type { IncomingHttpHeaders } from 'node:http';
import { S3Errors } from './errors.js';

/** The header a condition came in, as S3 names it in a 412's `Condition`. */
export type ConditionHeader = 'If-Match' | 'If-None-Match';

/** A promotion's condition on the enforced configuration's version (an extension): its ETag, or `*`. */
export const ENFORCED_IF_MATCH = 'x-bucket-cors-enforced-if-match';
/** A promotion's condition that the bucket has no enforced configuration: `*`. */
export const ENFORCED_IF_NONE_MATCH = 'x-bucket-cors-enforced-if-none-match';

/** What `POST ?cors&promote` asks: `candidate` from `If-Match`, `enforced` from the `x-bucket-cors-enforced-*` headers. */
export interface PromoteConditions {
  readonly candidate: WriteCondition | undefined;
  readonly enforced: WriteCondition | undefined;
}

/** `If-Match: *`: any configuration, whatever its version. */
export const ANY_VERSION = Symbol('any version');

/** What a PUT or DELETE `?cors` asks: write only over `version`, over any (`ANY_VERSION`), or only where none is (`null`). */
export interface WriteCondition {
  readonly header: ConditionHeader | typeof ENFORCED_IF_MATCH | typeof ENFORCED_IF_NONE_MATCH;
  readonly version: string | null | typeof ANY_VERSION;
}

/** Characters of an entity tag between its quotes (RFC 9110 `etagc`, visible ASCII but `"`). */
const ETAG_CHARACTERS = /^[\x21\x23-\x7e]+$/;

/** The `ETag` of a version (quoted), or `undefined` for one a header cannot carry (a store of your own may make any string). */
export function entityTagOf(version: string): string | undefined {
  return ETAG_CHARACTERS.test(version) ? `"${version}"` : undefined;
}

const headerText = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(', ') : value)?.trim();

/** The headers a condition is read from, and the names refusals give them. */
interface ConditionHeaders {
  readonly match: ConditionHeader | typeof ENFORCED_IF_MATCH;
  readonly noneMatch: ConditionHeader | typeof ENFORCED_IF_NONE_MATCH;
}

const WRITE_CONDITION_HEADERS: ConditionHeaders = { match: 'If-Match', noneMatch: 'If-None-Match' };
const ENFORCED_CONDITION_HEADERS: ConditionHeaders = { match: ENFORCED_IF_MATCH, noneMatch: ENFORCED_IF_NONE_MATCH };

/** The version `If-Match` names: one strong tag, quoted (or bare); a weak tag never matches (strong comparison). */
function ifMatchVersion(value: string, header: ConditionHeaders['match']): string | typeof ANY_VERSION {
  if (value === '*') return ANY_VERSION;
  if (value.startsWith('W/')) throw S3Errors.preconditionFailed(header);
  const tag = value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  if (!ETAG_CHARACTERS.test(tag) || tag.includes(',')) throw S3Errors.notImplemented(header); // lists of tags are not supported
  return tag;
}

/**
 * The request's condition, or `undefined` without one (then nothing changes from S3). Throws 501
 * NotImplemented for what is not supported (several tags, `If-None-Match` with a tag, both headers)
 * and 412 for a weak `If-Match`.
 */
export function writeConditionOf(headers: IncomingHttpHeaders, names: ConditionHeaders = WRITE_CONDITION_HEADERS): WriteCondition | undefined {
  const ifMatch = headerText(headers[names.match.toLowerCase()]);
  const ifNoneMatch = headerText(headers[names.noneMatch.toLowerCase()]);
  if (ifMatch !== undefined && ifNoneMatch !== undefined) throw S3Errors.notImplemented(names.noneMatch);
  if (ifMatch !== undefined) return { header: names.match, version: ifMatchVersion(ifMatch, names.match) };
  if (ifNoneMatch === undefined) return undefined;
  if (ifNoneMatch !== '*') throw S3Errors.notImplemented(names.noneMatch);
  return { header: names.noneMatch, version: null };
}

/**
 * A promotion's two conditions. `If-None-Match` names no candidate to promote (501 NotImplemented);
 * the enforced ones are read as `If-Match` / `If-None-Match` are, refusals naming them.
 */
export function promoteConditionsOf(headers: IncomingHttpHeaders): PromoteConditions {
  if (headers['if-none-match'] !== undefined) throw S3Errors.notImplemented('If-None-Match');
  return { candidate: writeConditionOf(headers), enforced: writeConditionOf(headers, ENFORCED_CONDITION_HEADERS) };
}

/** The condition header a request carries (for a refusal's `Condition` or `Header`), if any. */
export function conditionHeaderOf(headers: IncomingHttpHeaders): ConditionHeader | undefined {
  return headers['if-match'] !== undefined ? 'If-Match' : headers['if-none-match'] !== undefined ? 'If-None-Match' : undefined;
}
