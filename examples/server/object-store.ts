// Buckets, their ACLs and objects of the demo server: in process memory, or in Redis shared by every instance.

import type { Redis } from 'ioredis';
import { S3Errors } from 'express-bucket-cors/s3';

/** The canned ACLs the demo honours; every other canned ACL is refused as not implemented. */
export type CannedAcl = 'private' | 'public-read';

/** A bucket as the demo keeps it. */
export interface BucketRecord {
  readonly name: string;
  /** ISO 8601 creation time. */
  readonly created: string;
  readonly acl: CannedAcl;
}

/** An object's metadata (its bytes are kept apart, so listings never load them). */
export interface ObjectRecord {
  readonly key: string;
  readonly size: number;
  /** Quoted hex MD5 of the bytes, as S3 sends it in `ETag`. */
  readonly etag: string;
  /** ISO 8601 time of the last write. */
  readonly lastModified: string;
  readonly contentType: string;
  readonly acl: CannedAcl;
  /** `x-amz-meta-*` headers, names lower-cased without the prefix. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** What deleting a bucket did. */
export type DeleteBucketOutcome = 'deleted' | 'not-empty' | 'missing';

/**
 * Where the demo keeps its buckets and objects. Every method may reject on backend failure: with
 * S3's 503 ServiceUnavailable when the backend is unreachable or too slow (the client may retry).
 */
export interface ObjectStore {
  listBuckets(): Promise<BucketRecord[]>;
  getBucket(name: string): Promise<BucketRecord | null>;
  /** False when a bucket of that name exists already (nothing is changed then). */
  createBucket(bucket: BucketRecord): Promise<boolean>;
  /** Deletes the bucket only when it holds no object. */
  deleteBucket(name: string): Promise<DeleteBucketOutcome>;
  /** Every object of the bucket, sorted by key (UTF-8 byte order, as S3 lists). */
  listObjects(bucket: string): Promise<ObjectRecord[]>;
  headObject(bucket: string, key: string): Promise<ObjectRecord | null>;
  getObject(bucket: string, key: string): Promise<{ readonly record: ObjectRecord; readonly body: Buffer } | null>;
  putObject(bucket: string, record: ObjectRecord, body: Buffer): Promise<void>;
  deleteObject(bucket: string, key: string): Promise<void>;
  /** Releases what the store opened itself. */
  close(): Promise<void>;
}

/** S3 lists keys in UTF-8 binary order, which differs from JavaScript's UTF-16 order for astral characters. */
const byKey = (a: ObjectRecord, b: ObjectRecord): number => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key));

/** One process's buckets, lost on exit. */
export class MemoryObjectStore implements ObjectStore {
  private readonly buckets = new Map<string, { record: BucketRecord; objects: Map<string, { record: ObjectRecord; body: Buffer }> }>();

  async listBuckets(): Promise<BucketRecord[]> {
    return [...this.buckets.values()].map((bucket) => bucket.record).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async getBucket(name: string): Promise<BucketRecord | null> {
    return this.buckets.get(name)?.record ?? null;
  }

  async createBucket(bucket: BucketRecord): Promise<boolean> {
    if (this.buckets.has(bucket.name)) return false;
    this.buckets.set(bucket.name, { record: bucket, objects: new Map() });
    return true;
  }

  async deleteBucket(name: string): Promise<DeleteBucketOutcome> {
    const bucket = this.buckets.get(name);
    if (bucket === undefined) return 'missing';
    if (bucket.objects.size > 0) return 'not-empty';
    this.buckets.delete(name);
    return 'deleted';
  }

  async listObjects(bucket: string): Promise<ObjectRecord[]> {
    return [...(this.buckets.get(bucket)?.objects.values() ?? [])].map((entry) => entry.record).sort(byKey);
  }

  async headObject(bucket: string, key: string): Promise<ObjectRecord | null> {
    return this.buckets.get(bucket)?.objects.get(key)?.record ?? null;
  }

  async getObject(bucket: string, key: string): Promise<{ record: ObjectRecord; body: Buffer } | null> {
    return this.buckets.get(bucket)?.objects.get(key) ?? null;
  }

  async putObject(bucket: string, record: ObjectRecord, body: Buffer): Promise<void> {
    this.buckets.get(bucket)?.objects.set(record.key, { record, body });
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    this.buckets.get(bucket)?.objects.delete(key);
  }

  async close(): Promise<void> {
    this.buckets.clear();
  }
}

/** Options of {@link RedisObjectStore}. */
export interface RedisObjectStoreOptions {
  /** An ioredis client; the store never closes it. */
  readonly client: Redis;
  /** Prefix of every key the store writes. Default `'demo-s3:'`. */
  readonly keyPrefix?: string;
}

// Deleting a bucket must not race a PutObject into it on another instance: check and delete in one script.
const DELETE_BUCKET_SCRIPT = `
if redis.call('HLEN', KEYS[2]) > 0 then return 'not-empty' end
if redis.call('HDEL', KEYS[1], ARGV[1]) == 0 then return 'missing' end
redis.call('DEL', KEYS[2], KEYS[3])
return 'deleted'`;

/** `Retry-After` of the 503 a Redis failure answers with. */
export const RETRY_AFTER_SECONDS = 1;

/**
 * A Redis failure (down, or stalled past the client's `commandTimeout`) is S3's 503
 * ServiceUnavailable, never a 500: nothing is wrong with the request, and a retry may succeed.
 */
async function unavailableOnFailure<T>(command: Promise<T>): Promise<T> {
  try {
    return await command;
  } catch {
    throw S3Errors.serviceUnavailable(RETRY_AFTER_SECONDS);
  }
}

/** A MULTI reports each command's failure in its result list instead of rejecting. */
function execOrThrow(results: [error: Error | null, result: unknown][] | null): void {
  if (results === null) throw new Error('Redis transaction was aborted');
  for (const [error] of results) if (error !== null) throw error;
}

/**
 * Buckets and objects in one Redis, so that every demo instance pointing at it is one S3 endpoint.
 * Layout: a hash of buckets (name → JSON record); per bucket, a hash of object records and a hash of
 * object bytes (key → value). Each call waits at most the client's `commandTimeout`; every Redis
 * failure rejects with 503 ServiceUnavailable.
 */
export class RedisObjectStore implements ObjectStore {
  private readonly client: Redis;
  private readonly bucketsKey: string;
  private readonly prefix: string;

  constructor(options: RedisObjectStoreOptions) {
    this.client = options.client;
    this.prefix = options.keyPrefix ?? 'demo-s3:';
    this.bucketsKey = `${this.prefix}buckets`;
  }

  private metaKey(bucket: string): string {
    return `${this.prefix}meta:${bucket}`;
  }

  private bodyKey(bucket: string): string {
    return `${this.prefix}body:${bucket}`;
  }

  async listBuckets(): Promise<BucketRecord[]> {
    const all = await unavailableOnFailure(this.client.hvals(this.bucketsKey));
    return all.map((json) => JSON.parse(json) as BucketRecord).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async getBucket(name: string): Promise<BucketRecord | null> {
    const json = await unavailableOnFailure(this.client.hget(this.bucketsKey, name));
    return json === null ? null : (JSON.parse(json) as BucketRecord);
  }

  async createBucket(bucket: BucketRecord): Promise<boolean> {
    return (await unavailableOnFailure(this.client.hsetnx(this.bucketsKey, bucket.name, JSON.stringify(bucket)))) === 1;
  }

  async deleteBucket(name: string): Promise<DeleteBucketOutcome> {
    const outcome = await unavailableOnFailure(this.client.eval(DELETE_BUCKET_SCRIPT, 3, this.bucketsKey, this.metaKey(name), this.bodyKey(name), name));
    return outcome as DeleteBucketOutcome;
  }

  async listObjects(bucket: string): Promise<ObjectRecord[]> {
    const all = await unavailableOnFailure(this.client.hvals(this.metaKey(bucket)));
    return all.map((json) => JSON.parse(json) as ObjectRecord).sort(byKey);
  }

  async headObject(bucket: string, key: string): Promise<ObjectRecord | null> {
    const json = await unavailableOnFailure(this.client.hget(this.metaKey(bucket), key));
    return json === null ? null : (JSON.parse(json) as ObjectRecord);
  }

  async getObject(bucket: string, key: string): Promise<{ record: ObjectRecord; body: Buffer } | null> {
    const [json, body] = await unavailableOnFailure(Promise.all([this.client.hget(this.metaKey(bucket), key), this.client.hgetBuffer(this.bodyKey(bucket), key)]));
    return json === null || body === null ? null : { record: JSON.parse(json) as ObjectRecord, body };
  }

  async putObject(bucket: string, record: ObjectRecord, body: Buffer): Promise<void> {
    execOrThrow(await unavailableOnFailure(this.client.multi().hset(this.bodyKey(bucket), record.key, body).hset(this.metaKey(bucket), record.key, JSON.stringify(record)).exec()));
  }

  async deleteObject(bucket: string, key: string): Promise<void> {
    execOrThrow(await unavailableOnFailure(this.client.multi().hdel(this.metaKey(bucket), key).hdel(this.bodyKey(bucket), key).exec()));
  }

  async close(): Promise<void> {
    // The client belongs to whoever created it.
  }
}
