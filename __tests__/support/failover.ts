// Two app instances (bucketCors + the S3 corsRouter on Express 5 and 4, real loopback HTTP) sharing a RedisRuleStore, and a driver that crashes a Redis node under load and measures what the instances answered.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bucketCors, DEFAULT_HEALTH_CHECK_INTERVAL_MS, DEFAULT_HEALTH_CHECK_TIMEOUT_MS, DEFAULT_LOOKUP_TIMEOUT_MS, type InvalidationEvent, type Logger, type RuleStore } from 'express-bucket-cors';
import { corsRouter } from 'express-bucket-cors/s3';
import type { CorsConfiguration } from 'express-bucket-cors/core';
import { express4, express5, objectApp } from '../http/object-app';
import { corsXml, md5 } from '../dialects/s3/router-harness';
import { waitFor } from '../store/helpers';

/** One app process as it would run behind a load balancer: its own store, cache and HTTP server. */
export interface AppInstance {
  readonly name: string;
  readonly url: string;
  readonly store: RuleStore;
  /** Every invalidation the instance's store reported, with the time it arrived. */
  readonly events: readonly { readonly at: number; readonly event: InvalidationEvent }[];
  close(): Promise<void>;
}

/** Starts an app on 127.0.0.1: `corsRouter` (anyone may PUT ?cors), `bucketCors`, then the test object server. */
export async function startInstance(name: string, store: RuleStore, express: typeof express5, logger: Logger): Promise<AppInstance> {
  const middleware = bucketCors({ store, logger });
  const app = objectApp({ express, middleware: [corsRouter({ store, authorize: () => true, logger }), middleware] });
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const events: { at: number; event: InvalidationEvent }[] = [];
  const unsubscribe = store.subscribe((event) => events.push({ at: Date.now(), event }));
  return {
    name,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    store,
    events,
    async close() {
      unsubscribe();
      middleware.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The two Express majors, one instance each. */
export const INSTANCE_EXPRESS = [
  ['Express 5', express5],
  ['Express 4', express4],
] as const;

/** One HTTP answer and how long it took. */
export interface TimedAnswer {
  readonly status: number;
  readonly allowOrigin: string | null;
  readonly ms: number;
}

/** A preflight of `bucket` from `origin` for PUT, timed. */
export async function preflight(instance: AppInstance, bucket: string, origin: string): Promise<TimedAnswer> {
  const started = performance.now();
  const response = await fetch(`${instance.url}/${bucket}/k`, {
    method: 'OPTIONS',
    headers: { Origin: origin, 'Access-Control-Request-Method': 'PUT' },
    signal: AbortSignal.timeout(10_000),
  });
  await response.arrayBuffer();
  return { status: response.status, allowOrigin: response.headers.get('access-control-allow-origin'), ms: performance.now() - started };
}

/** PutBucketCors through `instance` with an XML body, as the AWS CLI sends it; resolves with the status. */
export async function putBucketCors(instance: AppInstance, bucket: string, configuration: CorsConfiguration): Promise<number> {
  const body = corsXml(configuration.CORSRules);
  const response = await fetch(`${instance.url}/${bucket}?cors`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/xml', 'Content-MD5': md5(body) },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  await response.arrayBuffer();
  return response.status;
}

/** What the instances answered from the crash until they read from Redis again. */
export interface FailoverObservation {
  /** Preflights of the cached bucket, and those not answered 200 with its allowed origin (should be none). */
  readonly cachedAnswers: number;
  readonly cachedMisses: readonly TimedAnswer[];
  /** Preflights of buckets never read before, by status (200/403 from rules read in Redis, 503 unavailable). */
  readonly uncachedByStatus: Readonly<Record<number, number>>;
  /** The slowest uncached preflight answered 503, and the slowest of all. */
  readonly slowest503Ms: number;
  readonly slowestUncachedMs: number;
  /** From the crash until the setup reported the replica promoted. */
  readonly promotedAfterMs: number;
  /** From the crash until a round in which every instance answered every uncached preflight from Redis. */
  readonly resumedAfterMs: number;
  readonly rounds: number;
}

/** What {@link driveThroughFailover} does and checks. */
export interface FailoverDrive {
  readonly instances: readonly AppInstance[];
  /** A bucket every instance has cached, and an origin its rules allow. */
  readonly cachedBucket: string;
  readonly allowedOrigin: string;
  /** Crashes the Redis node. */
  crash(): Promise<void>;
  /** True once the replica has taken over (asked of the sentinels or the cluster). */
  promoted(): Promise<boolean>;
  /** Preflights of each kind per instance per round: the load. Default: 4. */
  readonly perRound?: number;
  /** Gives up (throws) when the instances haven't resumed by then. Default: 25,000 ms. */
  readonly timeoutMs?: number;
}

const MAX_ROUNDS = 2_000;

/**
 * Crashes the node, then sends rounds of preflights to every instance — cached bucket and fresh
 * buckets, `perRound` of each, concurrently — until the replica is promoted and a whole round of
 * fresh buckets was answered from Redis. Bounded by `timeoutMs` and {@link MAX_ROUNDS}.
 */
export async function driveThroughFailover(drive: FailoverDrive): Promise<FailoverObservation> {
  const perRound = drive.perRound ?? 4;
  const timeoutMs = drive.timeoutMs ?? 25_000;
  const cachedMisses: TimedAnswer[] = [];
  const uncachedByStatus: Record<number, number> = {};
  let cachedAnswers = 0;
  let slowest503Ms = 0;
  let slowestUncachedMs = 0;
  let promotedAfterMs: number | undefined;
  let promotionError: string | undefined;
  const crashedAt = Date.now();
  await drive.crash();
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    if (Date.now() - crashedAt > timeoutMs) {
      const seen = JSON.stringify({ promotedAfterMs, promotionError, uncachedByStatus, cachedMisses: cachedMisses.length });
      throw new Error(`instances not reading from Redis again ${timeoutMs} ms after the crash (${round} rounds: ${seen})`);
    }
    const fresh = Array.from({ length: perRound }, (_unused, i) => `fresh-${round}-${i}`);
    const [cached, uncached, promotedNow] = await Promise.all([
      Promise.all(drive.instances.flatMap((instance) => fresh.map(() => preflight(instance, drive.cachedBucket, drive.allowedOrigin)))),
      Promise.all(drive.instances.flatMap((instance) => fresh.map((bucket) => preflight(instance, bucket, drive.allowedOrigin)))),
      promotedAfterMs === undefined ? drive.promoted().catch((error: unknown) => ((promotionError = String(error)), false)) : Promise.resolve(true),
    ]);
    if (promotedNow && promotedAfterMs === undefined) promotedAfterMs = Date.now() - crashedAt;
    cachedAnswers += cached.length;
    cachedMisses.push(...cached.filter((answer) => answer.status !== 200 || answer.allowOrigin !== drive.allowedOrigin));
    for (const answer of uncached) {
      uncachedByStatus[answer.status] = (uncachedByStatus[answer.status] ?? 0) + 1;
      slowestUncachedMs = Math.max(slowestUncachedMs, answer.ms);
      if (answer.status === 503) slowest503Ms = Math.max(slowest503Ms, answer.ms);
    }
    if (promotedAfterMs !== undefined && uncached.every((answer) => answer.status !== 503)) {
      return { cachedAnswers, cachedMisses, uncachedByStatus, slowest503Ms, slowestUncachedMs, promotedAfterMs, resumedAfterMs: Date.now() - crashedAt, rounds: round };
    }
  }
  throw new Error(`instances not reading from Redis again after ${MAX_ROUNDS} rounds`);
}

/**
 * PUTs `configuration` through the first instance, then polls every instance until each answers a
 * preflight from `origin` with it; resolves with how long after the PUT answered the last one did.
 */
export async function measureStaleness(instances: readonly AppInstance[], bucket: string, configuration: CorsConfiguration, origin: string, timeoutMs = 10_000): Promise<{ status: number; staleMs: number }> {
  const status = await putBucketCors(instances[0]!, bucket, configuration);
  const putAnsweredAt = performance.now();
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(instances);
  let staleMs = 0;
  while (pending.size > 0) {
    if (Date.now() > deadline) throw new Error(`${[...pending].map((instance) => instance.name).join(', ')} still without the new rules ${timeoutMs} ms after the PUT`);
    for (const instance of [...pending]) {
      if ((await preflight(instance, bucket, origin)).allowOrigin === origin) {
        pending.delete(instance);
        staleMs = performance.now() - putAnsweredAt;
      }
    }
  }
  return { status, staleMs };
}

/** Figures of one run, one line each, for the report. */
export function describeFigures(label: string, observation: FailoverObservation, staleness: { changed: { staleMs: number }; settled: { staleMs: number } }): string {
  const statuses = Object.entries(observation.uncachedByStatus).map(([status, count]) => `${status}×${count}`).join(' ');
  return [
    `${label}:`,
    `  promoted ${observation.promotedAfterMs} ms after the crash; every instance reading from Redis again after ${observation.resumedAfterMs} ms (${observation.rounds} rounds)`,
    `  cached bucket: ${observation.cachedAnswers} preflights, ${observation.cachedMisses.length} not answered from the cached rules`,
    `  uncached preflights: ${statuses}; slowest 503 ${observation.slowest503Ms.toFixed(0)} ms, slowest answer ${observation.slowestUncachedMs.toFixed(0)} ms`,
    `  PUT ?cors as soon as commands resumed: on every instance ${staleness.changed.staleMs.toFixed(1)} ms after it was answered`,
    `  PUT ?cors once every instance resubscribed: on every instance ${staleness.settled.staleMs.toFixed(1)} ms after it was answered`,
  ].join('\n');
}

/** What an answer may take on top of a bound on a loaded two-core machine. */
export const ANSWER_SLACK_MS = 1_000;
/** How long a subscription may stay broken unnoticed while Redis answers: the store's default health-check interval + timeout. */
export const HEALTH_CHECK_BOUND_MS = DEFAULT_HEALTH_CHECK_INTERVAL_MS + DEFAULT_HEALTH_CHECK_TIMEOUT_MS;

/** Each step of the scenario allows one origin to PUT, none of the others. */
const ORIGINS = ['https://a.example', 'https://b.example', 'https://c.example'] as const;
const allowing = (origin: string): CorsConfiguration => ({ CORSRules: [{ AllowedOrigins: [origin], AllowedMethods: ['PUT'] }] });

/** What {@link proveFailover} needs to know of a Redis setup. */
export interface FailoverSetup {
  readonly instances: readonly AppInstance[];
  /** A bucket whose key lives on the node that will crash. */
  readonly bucket: string;
  crash(): Promise<void>;
  promoted(): Promise<boolean>;
  /** How many connections are subscribed to the invalidation channel, counted on the live nodes. */
  subscriptions(): Promise<number>;
  /** The configuration stored for `bucket`, read from the promoted replica. */
  storedOnPromoted(bucket: string): Promise<CorsConfiguration | undefined>;
}

/**
 * The failover scenario: rules cached in every instance, the node crashed under load, then a change
 * as soon as commands resume and one once every instance resubscribed. Asserts the bounds, and
 * resolves with the figures for the report.
 */
export async function proveFailover(label: string, setup: FailoverSetup): Promise<string> {
  const { instances, bucket } = setup;
  await waitFor(async () => (await setup.subscriptions()) === instances.length, 10_000, 'every instance subscribed');
  expect(await putBucketCors(instances[0]!, bucket, allowing(ORIGINS[0]))).toBe(200);
  await measureStaleness(instances, bucket, allowing(ORIGINS[0]), ORIGINS[0]);

  const observation = await driveThroughFailover({ instances, cachedBucket: bucket, allowedOrigin: ORIGINS[0], crash: setup.crash, promoted: setup.promoted });
  expect(observation.cachedMisses).toEqual([]);
  expect(observation.slowest503Ms).toBeLessThan(DEFAULT_LOOKUP_TIMEOUT_MS + ANSWER_SLACK_MS);
  expect(observation.slowestUncachedMs).toBeLessThan(DEFAULT_LOOKUP_TIMEOUT_MS + ANSWER_SLACK_MS);
  // Fresh buckets have no rules: refused (403) once Redis answers, unavailable (503) before; nothing else.
  expect(Object.keys(observation.uncachedByStatus).filter((status) => status !== '403' && status !== '503')).toEqual([]);

  // As soon as commands work again an instance's subscriber may still be reconnecting: it hears of
  // the change by the message, or by the flush that follows its resubscription.
  const changed = await measureStaleness(instances, bucket, allowing(ORIGINS[1]), ORIGINS[1]);
  expect(changed.status).toBe(200);
  expect(changed.staleMs).toBeLessThan(HEALTH_CHECK_BOUND_MS + ANSWER_SLACK_MS);

  // Once every instance is subscribed again, no invalidation is missed: each other instance hears the bucket's.
  await waitFor(async () => (await setup.subscriptions()) === instances.length, 10_000, 'every instance subscribed again');
  const heardFrom = instances.map((instance) => instance.events.length);
  const settled = await measureStaleness(instances, bucket, allowing(ORIGINS[2]), ORIGINS[2]);
  for (const [index, instance] of instances.entries()) {
    if (index > 0) expect(instance.events.slice(heardFrom[index]).map(({ event }) => event)).toContainEqual(expect.objectContaining({ type: 'bucket', bucket }));
  }
  expect(await setup.storedOnPromoted(bucket)).toEqual(allowing(ORIGINS[2]));
  return describeFigures(label, observation, { changed, settled });
}
