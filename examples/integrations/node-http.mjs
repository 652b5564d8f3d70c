// Recipe: a plain node:http object server with per-bucket CORS exactly as S3 answers it.
// Run: PORT=8080 node examples/integrations/node-http.mjs   (REDIS_URL=redis://… shares the rules between instances)

import { createServer } from 'node:http';
import { bucketCors, corsRouter } from 'express-bucket-cors';
import { S3Errors, sendS3Error } from 'express-bucket-cors/s3';
import { sigv4Authorizer } from 'express-bucket-cors/sigv4';
import { createObjectServer } from './object-server.mjs';
import { listen, OWNER, ruleStore } from './setup.mjs';

const objects = createObjectServer(OWNER); // your object server
const store = await ruleStore();

// The glue: the two handlers are connect-style (req, res, next); call them in order before your own.
const cors = bucketCors({ store, bucketExists: objects.hasBucket });
const admin = corsRouter({ store, authorize: sigv4Authorizer({ credentials: [OWNER] }), bucketExists: objects.hasBucket, bucketOwner: objects.ownerOf });
const then = (req, res, run) => (error) => (error === undefined ? run() : sendS3Error(req, res, S3Errors.internalError()));
const server = createServer((req, res) => cors(req, res, then(req, res, () => admin(req, res, then(req, res, () => objects.handle(req, res))))));

listen(server, 'node-http recipe');
