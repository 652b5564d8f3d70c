// Recipe: s3rver (a Koa S3 server) behind express-bucket-cors, path-style and virtual-hosted (<bucket>.s3.localhost).
// Run: PORT=8080 node examples/integrations/s3rver.mjs   (S3RVER_DIR keeps the data; REDIS_URL shares the rules)

import express from 'express';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { bucketCors, corsRouter, ensureRequestIds, toPathStyle } from 'express-bucket-cors';
import { sigv4Authorizer } from 'express-bucket-cors/sigv4';
import { listen, ruleStore } from './setup.mjs';

const directory = process.env.S3RVER_DIR ?? mkdtempSync(path.join(os.tmpdir(), 's3rver-'));
if (process.env.S3RVER_DIR === undefined) process.once('exit', () => rmSync(directory, { recursive: true, force: true }));
process.once('SIGTERM', () => process.exit(0));
// s3rver's own CORS stays unused (it reads only rules stored in its folder: keep none there), and it is path-style only.
const s3rver = new S3rver({ directory, silent: true, vhostBuckets: false });
const store = await ruleStore();

// The glue (s3rver's one account is S3RVER/S3RVER, account ID 123456789000).
const addressing = { virtualHostDomains: ['s3.localhost'] };
const bucketExists = async (bucket) => (await s3rver.store.getBucket(bucket)) !== null;
const app = express();
app.use(bucketCors({ store, addressing, bucketExists }));
app.use(corsRouter({ store, addressing, bucketExists, authorize: sigv4Authorizer({ credentials: [{ accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }] }), bucketOwner: () => '123456789000' }));
// s3rver sends no x-amz-request-id (S3 clients expect one) and reads buckets path-style only: hand it the bucket resolved here.
app.use((req, res, next) => (ensureRequestIds(res), toPathStyle(req), next()));
app.use(s3rver.callback());

listen(createServer(app), 's3rver recipe');
