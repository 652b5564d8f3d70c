// Recipe: an Express object server with per-bucket CORS exactly as S3 answers it.
// Run: PORT=8080 node examples/integrations/express.mjs   (REDIS_URL=redis://… shares the rules between instances)

import express from 'express';
import { createServer } from 'node:http';
import { bucketCors, corsRouter } from 'express-bucket-cors';
import { sigv4Authorizer } from 'express-bucket-cors/sigv4';
import { createObjectServer } from './object-server.mjs';
import { listen, OWNER, ruleStore } from './setup.mjs';

const objects = createObjectServer(OWNER); // your object server
const store = await ruleStore();

// The glue: CORS before everything else (authentication, body parsers), then the ?cors API, then your routes.
const app = express();
app.use(bucketCors({ store, bucketExists: objects.hasBucket }));
app.use(corsRouter({ store, authorize: sigv4Authorizer({ credentials: [OWNER] }), bucketExists: objects.hasBucket, bucketOwner: objects.ownerOf }));
app.use(objects.handle);

listen(createServer(app), 'express recipe');
