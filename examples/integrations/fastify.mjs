// Recipe: a Fastify object server with per-bucket CORS exactly as S3 answers it, through @fastify/middie.
// Run: PORT=8080 node examples/integrations/fastify.mjs   (REDIS_URL=redis://… shares the rules between instances)

import middie from '@fastify/middie';
import Fastify from 'fastify';
import { bucketCors, corsRouter } from 'express-bucket-cors';
import { sigv4Authorizer } from 'express-bucket-cors/sigv4';
import { createObjectServer } from './object-server.mjs';
import { listen, OWNER, ruleStore } from './setup.mjs';

const objects = createObjectServer(OWNER); // your object server
const store = await ruleStore();
const app = Fastify();

// The glue: middie runs connect-style middleware in Fastify's onRequest phase, before any body is parsed.
await app.register(middie);
app.use(bucketCors({ store, bucketExists: objects.hasBucket }));
app.use(corsRouter({ store, authorize: sigv4Authorizer({ credentials: [OWNER] }), bucketExists: objects.hasBucket, bucketOwner: objects.ownerOf }));

// Your routes; the stand-in reads the raw body itself, so Fastify's parsers leave every body alone.
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', (_request, _payload, done) => done(null));
app.all('/*', (request, reply) => {
  reply.hijack();
  objects.handle(request.raw, reply.raw);
});
app.all('/', (request, reply) => {
  reply.hijack();
  objects.handle(request.raw, reply.raw);
});

await app.ready();
listen(app.server, 'fastify recipe');
