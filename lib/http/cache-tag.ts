// bucketCors's cache-tag header (off by default): every response for a bucket carries the bucket's tags, so a CDN
// can purge all of that bucket's cached responses at once when its rules change (docs/operations.md, "CDN purge").

import type { ServerResponse } from 'node:http';
import { isHttpToken } from '../core/headers.js';
import { didYouMean } from '../core/suggest.js';
import { readOptions, type Logger, type OptionCheck, type OptionChecks } from '../options.js';

/** Options of `bucketCors({ cacheTag })`; every one may be left out. */
export interface CacheTagOptions {
  /**
   * The response header the CDN reads tags from: `'Cache-Tag'` (Cloudflare), `'Surrogate-Key'`
   * (Fastly), `'xkey'` (Varnish's vmod_xkey), `'Edge-Cache-Tag'` (Akamai), or your CDN's.
   * Default: `'Cache-Tag'`.
   */
  readonly header?: string;
  /**
   * The tags, each a template in which `{bucket}` stands for the bucket's name (letters, digits, `.`,
   * `_` and `-` as they are, any other character percent-encoded as UTF-8). At least one must name
   * `{bucket}`; one without it tags every bucket alike (to purge them all). Default: `['bucket-cors.{bucket}']`.
   */
  readonly tags?: readonly string[];
  /** What separates tags in the header: `' '` or `','`. Default: `' '` for `Surrogate-Key` and `xkey`, `','` otherwise. */
  readonly separator?: ' ' | ',';
}

/** Default `cacheTag.header`. */
export const DEFAULT_CACHE_TAG_HEADER = 'Cache-Tag';
/** Default `cacheTag.tags`. */
export const DEFAULT_CACHE_TAGS: readonly string[] = Object.freeze(['bucket-cors.{bucket}']);
/** The longest tag sent, in characters (Cloudflare's and Fastly's limit; Akamai's is 128, CloudFront's 256). */
export const MAX_CACHE_TAG_LENGTH = 1024;

const BUCKET = '{bucket}';
/** Header names CDNs read tags from, for "did you mean". */
const KNOWN_HEADERS = ['Cache-Tag', 'Surrogate-Key', 'xkey', 'Edge-Cache-Tag'];
/** Headers whose tags are separated by spaces; the others by commas. */
const SPACE_SEPARATED = new Set(['surrogate-key', 'xkey']);
/** Headers with a meaning of their own, which tags must not replace. */
const RESERVED = new Set(['vary', 'cache-control', 'content-length', 'content-type', 'transfer-encoding', 'connection', 'set-cookie', 'etag', 'location', 'date', 'expires', 'last-modified']);

/** Whether `text` may appear in a tag: visible ASCII without the separators or braces. */
function tagText(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x21 || code > 0x7e || code === 0x2c || code === 0x7b || code === 0x7d) return false;
  }
  return true;
}

const headerCheck: OptionCheck<string> = (value, fail) => {
  if (value === undefined) return DEFAULT_CACHE_TAG_HEADER;
  if (typeof value !== 'string' || !isHttpToken(value)) fail(`be a header name (letters, digits and !#$%&'*+-.^_\`|~), e.g. 'Cache-Tag' or 'Surrogate-Key' (default '${DEFAULT_CACHE_TAG_HEADER}')`);
  const lower = (value as string).toLowerCase();
  if (lower.startsWith('access-control-') || RESERVED.has(lower)) fail('be a header of its own, not one with a meaning of its own to HTTP or CORS');
  return value as string;
};

const tagsCheck: OptionCheck<readonly string[]> = (value, fail) => {
  if (value === undefined) return DEFAULT_CACHE_TAGS;
  const expected = `be a non-empty array of tag templates such as 'bucket-cors.{bucket}' (visible ASCII, no comma or space, at most ${MAX_CACHE_TAG_LENGTH} characters)`;
  if (!Array.isArray(value) || value.length === 0 || !value.every((tag) => typeof tag === 'string' && tag !== '' && tag.length <= MAX_CACHE_TAG_LENGTH && tagText(tag.split(BUCKET).join(''))))
    return fail(expected);
  if (!value.some((tag: string) => tag.includes(BUCKET))) fail(`name {bucket} in at least one tag, so that one bucket's responses can be purged (e.g. ['bucket-cors', 'bucket-cors.{bucket}'])`);
  return Object.freeze([...(value as string[])]);
};

const separatorCheck: OptionCheck<' ' | ',' | undefined> = (value, fail) => {
  if (value !== undefined && value !== ' ' && value !== ',') fail("be ' ' or ',' (default: ' ' for Surrogate-Key and xkey, ',' otherwise)");
  return value as ' ' | ',' | undefined;
};

const OPTION_CHECKS = { header: headerCheck, tags: tagsCheck, separator: separatorCheck } satisfies OptionChecks<CacheTagOptions>;

/** Letters, digits, `.`, `_` and `-`: what a bucket name keeps as it is in a tag (every CDN accepts them). */
function plainInTag(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x5a) || code === 0x2e || code === 0x5f || code === 0x2d;
}

/** `bucket` as tag text: other characters percent-encoded as UTF-8 (a lone surrogate as U+FFFD). */
function encodeBucket(bucket: string): string {
  let plain = true;
  for (let i = 0; i < bucket.length && plain; i++) plain = plainInTag(bucket.charCodeAt(i));
  if (plain) return bucket;
  let encoded = '';
  for (const byte of Buffer.from(bucket, 'utf8')) encoded += plainInTag(byte) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return encoded;
}

/** The tags of a header value someone else set (a number or a list of lines too). */
function tagsIn(value: string | number | readonly string[], separator: string): string[] {
  const text = Array.isArray(value) ? value.join(separator) : String(value);
  return text.split(separator).flatMap((part) => (separator === ',' ? part.split(' ') : part.split(','))).filter((tag) => tag !== '');
}

/** `templates` filled in with `bucket`, each tag longer than {@link MAX_CACHE_TAG_LENGTH} left out. */
function filled(templates: readonly (readonly string[])[], bucket: string): string[] {
  const name = encodeBucket(bucket);
  return templates.map((parts) => parts.join(name)).filter((tag) => tag.length <= MAX_CACHE_TAG_LENGTH);
}

/**
 * The cache-tag header of one `bucketCors`: built once from its options, then {@link tag} per
 * response. A handler after `bucketCors` that sets the same header adds to the tags rather than
 * replacing them.
 */
export class CacheTagHeader {
  readonly #name: string;
  readonly #lowerName: string;
  readonly #separator: ' ' | ',';
  /** Each template split at `{bucket}`. */
  readonly #templates: readonly (readonly string[])[];
  /** Those that name `{bucket}`. */
  readonly #bucketTemplates: readonly (readonly string[])[];

  constructor(options: CacheTagOptions, logger: Logger) {
    const { header, tags, separator } = readOptions('bucketCors', options, OPTION_CHECKS, 'cacheTag.');
    this.#name = header;
    this.#lowerName = header.toLowerCase();
    this.#separator = separator ?? (SPACE_SEPARATED.has(this.#lowerName) ? ' ' : ',');
    this.#templates = tags.map((tag) => tag.split(BUCKET));
    this.#bucketTemplates = this.#templates.filter((parts) => parts.length > 1);
    if (!KNOWN_HEADERS.some((known) => known.toLowerCase() === this.#lowerName)) {
      const hint = didYouMean(header, KNOWN_HEADERS);
      if (hint !== '') logger.warn(`express-bucket-cors: \`cacheTag.header\` ${JSON.stringify(header)} is not a header a CDN reads tags from${hint}`);
    }
  }

  /** Every tag of `bucket`'s responses; a tag longer than {@link MAX_CACHE_TAG_LENGTH} is left out. */
  tagsFor(bucket: string): string[] {
    return filled(this.#templates, bucket);
  }

  /** The tags that name `bucket` (from templates with `{bucket}`): what to purge when its rules change. */
  bucketTagsFor(bucket: string): string[] {
    return filled(this.#bucketTemplates, bucket);
  }

  /** Adds `bucket`'s tags to the response's header (after any set before), and keeps them when a later handler sets it. */
  tag(res: ServerResponse, bucket: string): void {
    const tags = this.tagsFor(bucket);
    if (tags.length === 0) return;
    const setHeader = res.setHeader;
    const name = this.#lowerName;
    const merge = (value: string | number | readonly string[] | undefined): string => {
      const merged = value === undefined ? [] : tagsIn(value, this.#separator);
      for (const tag of tags) if (!merged.includes(tag)) merged.push(tag);
      return merged.join(this.#separator);
    };
    setHeader.call(res, this.#name, merge(res.getHeader(name)));
    res.setHeader = function setHeaderKeepingTags(this: ServerResponse, header: string, value: string | number | readonly string[]) {
      return setHeader.call(this, header, typeof header === 'string' && header.toLowerCase() === name ? merge(value) : value);
    };
  }
}
