// An Express app whose owners' calls are SigV4-verified: corsRouter, mediaStoreRouter, and an object GET that answers its principal.

import express from 'express';
import { MemoryRuleStore } from 'express-bucket-cors';
import { isMediaStoreError, mediaStoreRouter, MediaStoreErrors, sendMediaStoreError } from 'express-bucket-cors/mediastore';
import { corsRouter, isS3Error, S3Errors, sendS3Error } from 'express-bucket-cors/s3';
import { createSigV4Verifier, sigv4Authorizer, type SigV4Credential } from 'express-bucket-cors/sigv4';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const OWNER_KEY: SigV4Credential = { accessKeyId: 'AKIDOWNER0000000', secretAccessKey: 'owner-secret-key', owner: '111122223333' };
export const OTHER_KEY: SigV4Credential = { accessKeyId: 'AKIDOTHER0000000', secretAccessKey: 'other-secret-key', owner: '444455556666' };
/** Known to no server. */
export const UNKNOWN_KEY = { accessKeyId: 'AKIDUNKNOWN00000', secretAccessKey: 'unknown-secret' } as const;

/** The store and bucket setup every test starts from. */
export const BUCKETS = new Set(['photos', 'videos', 'other']);

export interface SignedApp {
  readonly url: string;
  readonly port: number;
  readonly store: MemoryRuleStore;
  /** `x-amz-content-sha256` and checksum headers of each `?cors` request, as received. */
  readonly seen: Array<Record<string, string | undefined>>;
  /** Milliseconds added to the server clock (to step past a skew window or an expiry). */
  clockOffsetMs: number;
  close(): Promise<void>;
}

/**
 * `?cors` (S3) and the MediaStore control plane, both through `sigv4Authorizer`; `GET /<bucket>/<key>`
 * answers `{ principal }` after `createSigV4Verifier` (for presigned object URLs of the AWS CLI).
 */
export async function startSignedApp(): Promise<SignedApp> {
  const store = new MemoryRuleStore();
  const credentials = [OWNER_KEY, OTHER_KEY];
  const state = { clockOffsetMs: 0 };
  const now = () => Date.now() + state.clockOffsetMs;
  const bucketExists = (bucket: string) => BUCKETS.has(bucket);
  const logger = { warn: jest.fn(), error: jest.fn() };
  const app = express();
  const seen: SignedApp['seen'] = [];
  app.use((req, _res, next) => {
    if (req.url.includes('cors')) seen.push({ method: req.method, sha256: req.headers['x-amz-content-sha256'] as string | undefined, crc32: req.headers['x-amz-checksum-crc32'] as string | undefined });
    next();
  });
  app.use(mediaStoreRouter({ store, authorize: sigv4Authorizer({ credentials, service: 'mediastore', now }), containerExists: bucketExists, logger }));
  app.use(corsRouter({ store, authorize: sigv4Authorizer({ credentials, now }), bucketExists, logger }));
  const verify = createSigV4Verifier({ credentials, now });
  const mediaStoreData = createSigV4Verifier({ credentials, now, service: 'mediastore', unsignedPayload: true });
  app.get('/_mediastore/:container/:key', (req, res) => {
    mediaStoreData(req).then(
      (principal) => void res.json({ principal }),
      (error: unknown) => sendMediaStoreError(req, res, isMediaStoreError(error) ? error : MediaStoreErrors.internal()),
    );
  });
  app.get('/:bucket/:key', (req, res) => {
    verify(req).then(
      (principal) => void res.json({ principal }),
      (error: unknown) => sendS3Error(req, res, isS3Error(error) ? error : S3Errors.internalError()),
    );
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    store,
    seen,
    get clockOffsetMs() {
      return state.clockOffsetMs;
    },
    set clockOffsetMs(value: number) {
      state.clockOffsetMs = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const ENTITIES: Readonly<Record<string, string>> = { '&quot;': '"', '&apos;': "'", '&lt;': '<', '&gt;': '>', '&amp;': '&' };

/** The `<Code>`, `<Message>` and other members of an S3 XML error body, unescaped. */
export function s3ErrorFields(xml: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const match of xml.matchAll(/<([A-Za-z0-9-]+)>([^<]*)<\/\1>/g)) fields[match[1]!] = match[2]!.replace(/&(quot|apos|lt|gt|amp);/g, (entity) => ENTITIES[entity]!);
  return fields;
}
