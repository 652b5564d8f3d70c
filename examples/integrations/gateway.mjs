// Recipe: a CORS gateway in front of any S3 server without per-bucket CORS (MinIO's community edition answers
// PutBucketCors NotImplemented): preflights and ?cors answered here, everything else passed through with CORS headers.
// Run: BACKEND_URL=http://127.0.0.1:9000 GATEWAY_CREDENTIALS=ACCESS_KEY:SECRET PORT=8080 node examples/integrations/gateway.mjs
// (GATEWAY_ACCOUNT_ID: the backend account's 12-digit ID, checked against x-amz-expected-bucket-owner as S3 does)

import express from 'express';
import { createServer } from 'node:http';
import { backendProxy, bucketCors, corsRouter } from 'express-bucket-cors';
import { backendBucketExists, sigv4Authorizer } from 'express-bucket-cors/sigv4';
import { credentialsFrom, listen, ruleStore } from './setup.mjs';

const backend = process.env.BACKEND_URL;
if (backend === undefined || process.env.GATEWAY_CREDENTIALS === undefined) {
  console.error('gateway: set BACKEND_URL (the S3 server in front of which to answer CORS) and GATEWAY_CREDENTIALS (the owner keys, ACCESS_KEY:SECRET)');
  process.exit(2);
}
const owner = credentialsFrom(process.env.GATEWAY_CREDENTIALS);
const store = await ruleStore();

// The glue: the backend says which buckets exist; owners' ?cors calls are verified here (they never reach the backend).
const bucketExists = backendBucketExists({ url: backend, credentials: owner });
const app = express();
app.use(bucketCors({ store, bucketExists }));
const bucketOwner = () => process.env.GATEWAY_ACCOUNT_ID;
app.use(corsRouter({ store, authorize: sigv4Authorizer({ credentials: [owner] }), bucketExists, bucketOwner }));
app.use(backendProxy({ url: backend }));

listen(createServer(app), 'gateway recipe');
