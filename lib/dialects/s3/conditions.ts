// Conditional PutBucketCors and DeleteBucketCors (an extension to S3): the configuration's version as an ETag, If-Match and If-None-Match: * read from the request.

import type { IncomingHttpHeaders } from 'node:http';
import { S3Errors } from './errors.js';

/** The header a condition came in, as S3 names it in a 412's `Condition`. */
export type ConditionHeader = 'If-Match' | 'If-None-Match';

/** `If-Match: *`: any configuration, whatever its version. */
export const ANY_VERSION = Symbol('any version');

/** What a PUT or DELETE `?cors` asks: write only over `version`, over any (`ANY_VERSION`), or only where none is (`null`). */
export interface WriteCondition {
  readonly header: ConditionHeader;
  readonly version: string | null | typeof ANY_VERSION;
}

/** Characters of an entity tag between its quotes (RFC 9110 `etagc`, visible ASCII but `"`). */
const ETAG_CHARACTERS = /^[\x21\x23-\x7e]+$/;

/** The `ETag` of a version (quoted), or `undefined` for one a header cannot carry (a store of your own may make any string). */
export function entityTagOf(version: string): string | undefined {
  return ETAG_CHARACTERS.test(version) ? `"${version}"` : undefined;
}

const headerText = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(', ') : value)?.trim();

/** The version `If-Match` names: one strong tag, quoted (or bare); a weak tag never matches (strong comparison). */
function ifMatchVersion(value: string): string | typeof ANY_VERSION {
  if (value === '*') return ANY_VERSION;
  if (value.startsWith('W/')) throw S3Errors.preconditionFailed('If-Match');
  const tag = value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  if (!ETAG_CHARACTERS.test(tag) || tag.includes(',')) throw S3Errors.notImplemented('If-Match'); // lists of tags are not supported
  return tag;
}

/**
 * The request's condition, or `undefined` without one (then nothing changes from S3). Throws 501
 * NotImplemented for what is not supported (several tags, `If-None-Match` with a tag, both headers)
 * and 412 for a weak `If-Match`.
 */
export function writeConditionOf(headers: IncomingHttpHeaders): WriteCondition | undefined {
  const ifMatch = headerText(headers['if-match']);
  const ifNoneMatch = headerText(headers['if-none-match']);
  if (ifMatch !== undefined && ifNoneMatch !== undefined) throw S3Errors.notImplemented('If-None-Match');
  if (ifMatch !== undefined) return { header: 'If-Match', version: ifMatchVersion(ifMatch) };
  if (ifNoneMatch === undefined) return undefined;
  if (ifNoneMatch !== '*') throw S3Errors.notImplemented('If-None-Match');
  return { header: 'If-None-Match', version: null };
}

/** The condition header a request carries (for a refusal's `Condition` or `Header`), if any. */
export function conditionHeaderOf(headers: IncomingHttpHeaders): ConditionHeader | undefined {
  return headers['if-match'] !== undefined ? 'If-Match' : headers['if-none-match'] !== undefined ? 'If-None-Match' : undefined;
}
