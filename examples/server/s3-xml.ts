// Listing logic and the XML documents of the demo's S3 operations (ListBuckets, ListObjects v1/v2, versions, DeleteObjects).

import { XMLParser } from 'fast-xml-parser';
import { escapeXml, S3Errors } from 'express-bucket-cors/s3';
import type { BucketRecord, ObjectRecord } from './object-store.js';

const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
/** S3 refuses DeleteObjects requests naming more keys. */
export const MAX_DELETE_KEYS = 1000;

/** The account every bucket and object of the demo belongs to. */
export interface Owner {
  /** Canonical user ID (64 hex characters). */
  readonly id: string;
  readonly displayName: string;
}

/** One element; `undefined` values leave the element out. Text is escaped. */
const el = (name: string, value: string | number | boolean | undefined): string =>
  value === undefined ? '' : `<${name}>${escapeXml(String(value))}</${name}>`;

const ownerXml = (owner: Owner): string => `<Owner>${el('ID', owner.id)}${el('DisplayName', owner.displayName)}</Owner>`;

/** `encoding-type=url`: S3 percent-encodes keys and prefixes (slashes kept) so that any character survives XML. */
const encoder = (encodingType: string | undefined) => (text: string | undefined) =>
  text === undefined || encodingType !== 'url' ? text : encodeURIComponent(text).split('%2F').join('/');

/** What one page of a listing asks for. */
export interface ListingRequest {
  readonly prefix: string;
  readonly delimiter: string | undefined;
  /** Start strictly after this key (`marker`, `start-after`, continuation token, `key-marker`). */
  readonly after: string;
  readonly maxKeys: number;
}

/** One page of a listing. */
export interface Listing {
  readonly contents: readonly ObjectRecord[];
  readonly commonPrefixes: readonly string[];
  readonly isTruncated: boolean;
  /** The last key or common prefix of the page: where the next page starts after. */
  readonly last: string | undefined;
}

const after = (a: string, b: string): boolean => Buffer.compare(Buffer.from(a), Buffer.from(b)) > 0;

/** Pages through keys sorted in S3 order, grouping keys under `delimiter` into common prefixes. */
export function listPage(objects: readonly ObjectRecord[], request: ListingRequest): Listing {
  const { prefix, delimiter, maxKeys } = request;
  const contents: ObjectRecord[] = [];
  const commonPrefixes: string[] = [];
  let last: string | undefined;
  let isTruncated = false;
  for (const object of objects) {
    const { key } = object;
    if (!key.startsWith(prefix) || !after(key, request.after)) continue;
    // A marker that is itself a common prefix (a NextMarker) skips every key under it.
    if (delimiter && request.after.endsWith(delimiter) && key.startsWith(request.after)) continue;
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    const entry = cut === -1 ? key : key.slice(0, cut + delimiter!.length);
    if (cut !== -1 && entry === last) continue;
    if (contents.length + commonPrefixes.length >= maxKeys) {
      isTruncated = true;
      break;
    }
    if (cut === -1) contents.push(object);
    else commonPrefixes.push(entry);
    last = entry;
  }
  return { contents, commonPrefixes, isTruncated, last };
}

/** ListBuckets. */
export function listBucketsXml(owner: Owner, buckets: readonly BucketRecord[]): string {
  const items = buckets.map((bucket) => `<Bucket>${el('Name', bucket.name)}${el('CreationDate', bucket.created)}</Bucket>`).join('');
  return `${DECLARATION}<ListAllMyBucketsResult xmlns="${XMLNS}">${ownerXml(owner)}<Buckets>${items}</Buckets></ListAllMyBucketsResult>`;
}

const objectFields = (object: ObjectRecord, encode: (text: string) => string | undefined): string =>
  `${el('Key', encode(object.key))}${el('LastModified', object.lastModified)}${el('ETag', object.etag)}${el('Size', object.size)}`;

const prefixesXml = (listing: Listing, encode: (text: string) => string | undefined): string =>
  listing.commonPrefixes.map((prefix) => `<CommonPrefixes>${el('Prefix', encode(prefix))}</CommonPrefixes>`).join('');

/** Parameters echoed in every listing. */
export interface ListingEcho {
  readonly bucket: string;
  readonly request: ListingRequest;
  readonly encodingType: string | undefined;
  readonly owner: Owner;
}

/** ListObjects (v1). `marker` as sent. */
export function listObjectsXml(echo: ListingEcho, listing: Listing, marker: string): string {
  const encode = encoder(echo.encodingType);
  const { request } = echo;
  // S3 sends NextMarker only with a delimiter; without one, clients continue from the last key.
  const nextMarker = listing.isTruncated && request.delimiter ? listing.last : undefined;
  const contents = listing.contents
    .map((object) => `<Contents>${objectFields(object, encode)}${ownerXml(echo.owner)}<StorageClass>STANDARD</StorageClass></Contents>`)
    .join('');
  return (
    `${DECLARATION}<ListBucketResult xmlns="${XMLNS}">${el('Name', echo.bucket)}${el('Prefix', encode(request.prefix))}${el('Marker', encode(marker))}` +
    `${el('MaxKeys', request.maxKeys)}${el('Delimiter', encode(request.delimiter))}${el('IsTruncated', listing.isTruncated)}` +
    `${el('NextMarker', encode(nextMarker))}${el('EncodingType', echo.encodingType)}${contents}${prefixesXml(listing, encode)}</ListBucketResult>`
  );
}

/** Continuation tokens are opaque to clients: the base64url of the last key or prefix returned. */
export const continuationToken = {
  encode: (last: string): string => Buffer.from(last).toString('base64url'),
  decode: (token: string): string => Buffer.from(token, 'base64url').toString(),
};

/** ListObjectsV2. */
export function listObjectsV2Xml(
  echo: ListingEcho,
  listing: Listing,
  page: { readonly continuationToken: string | undefined; readonly startAfter: string | undefined; readonly fetchOwner: boolean },
): string {
  const encode = encoder(echo.encodingType);
  const { request } = echo;
  const next = listing.isTruncated && listing.last !== undefined ? continuationToken.encode(listing.last) : undefined;
  const owner = page.fetchOwner ? ownerXml(echo.owner) : '';
  const contents = listing.contents.map((object) => `<Contents>${objectFields(object, encode)}${owner}<StorageClass>STANDARD</StorageClass></Contents>`).join('');
  return (
    `${DECLARATION}<ListBucketResult xmlns="${XMLNS}">${el('Name', echo.bucket)}${el('Prefix', encode(request.prefix))}` +
    `${el('ContinuationToken', page.continuationToken)}${el('NextContinuationToken', next)}` +
    `${el('KeyCount', listing.contents.length + listing.commonPrefixes.length)}${el('MaxKeys', request.maxKeys)}${el('Delimiter', encode(request.delimiter))}` +
    `${el('IsTruncated', listing.isTruncated)}${el('StartAfter', encode(page.startAfter))}${el('EncodingType', echo.encodingType)}` +
    `${contents}${prefixesXml(listing, encode)}</ListBucketResult>`
  );
}

/** ListObjectVersions of an unversioned bucket: one `null` version per key, always the latest. */
export function listVersionsXml(echo: ListingEcho, listing: Listing, keyMarker: string, versionIdMarker: string): string {
  const encode = encoder(echo.encodingType);
  const { request } = echo;
  const nextKeyMarker = listing.isTruncated ? listing.last : undefined;
  const versions = listing.contents
    .map(
      (object) =>
        `<Version>${el('Key', encode(object.key))}<VersionId>null</VersionId><IsLatest>true</IsLatest>${el('LastModified', object.lastModified)}` +
        `${el('ETag', object.etag)}${el('Size', object.size)}${ownerXml(echo.owner)}<StorageClass>STANDARD</StorageClass></Version>`,
    )
    .join('');
  return (
    `${DECLARATION}<ListVersionsResult xmlns="${XMLNS}">${el('Name', echo.bucket)}${el('Prefix', encode(request.prefix))}` +
    `${el('KeyMarker', encode(keyMarker))}${el('VersionIdMarker', versionIdMarker)}${el('NextKeyMarker', encode(nextKeyMarker))}` +
    `${el('NextVersionIdMarker', nextKeyMarker === undefined ? undefined : 'null')}${el('MaxKeys', request.maxKeys)}` +
    `${el('Delimiter', encode(request.delimiter))}${el('IsTruncated', listing.isTruncated)}${el('EncodingType', echo.encodingType)}` +
    `${versions}${prefixesXml(listing, encode)}</ListVersionsResult>`
  );
}

/** One key of a DeleteObjects request. */
export interface DeleteTarget {
  readonly key: string;
  readonly versionId: string | undefined;
}

// Keys are taken verbatim: no trimming, no number or boolean conversion.
const deleteParser = new XMLParser({ ignoreAttributes: true, parseTagValue: false, trimValues: false, isArray: (name) => name === 'Object' });

/** Parses a DeleteObjects body; MalformedXML when it is not `<Delete><Object><Key>…` or names too many keys. */
export function parseDeleteRequest(body: Buffer): { readonly quiet: boolean; readonly targets: DeleteTarget[] } {
  let document: { Delete?: { Quiet?: unknown; Object?: { Key?: unknown; VersionId?: unknown }[] } };
  try {
    document = deleteParser.parse(body.toString('utf8'));
  } catch {
    throw S3Errors.malformedXml();
  }
  const objects = document.Delete?.Object;
  if (!Array.isArray(objects) || objects.length === 0 || objects.length > MAX_DELETE_KEYS) throw S3Errors.malformedXml();
  const targets = objects.map((object) => {
    if (typeof object?.Key !== 'string' || object.Key === '') throw S3Errors.malformedXml();
    return { key: object.Key, versionId: typeof object.VersionId === 'string' ? object.VersionId.trim() : undefined };
  });
  return { quiet: String(document.Delete?.Quiet ?? '').trim() === 'true', targets };
}

/** DeleteObjects answer; quiet mode lists only failures (the demo has none to report). */
export function deleteResultXml(quiet: boolean, deleted: readonly DeleteTarget[]): string {
  const items = quiet ? '' : deleted.map((target) => `<Deleted>${el('Key', target.key)}${el('VersionId', target.versionId)}</Deleted>`).join('');
  return `${DECLARATION}<DeleteResult xmlns="${XMLNS}">${items}</DeleteResult>`;
}
