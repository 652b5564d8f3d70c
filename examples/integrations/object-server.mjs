// A stand-in for YOUR object server, for the recipes beside it: a small in-memory S3 (buckets and objects, public
// reads, signed writes). It knows nothing of CORS: the recipes put express-bucket-cors in front of it.

import { createHash } from 'node:crypto';
import { S3Error, S3Errors, sendS3Error } from 'express-bucket-cors/s3';
import { createSigV4Verifier } from 'express-bucket-cors/sigv4';

/** The account every bucket of the stand-in belongs to. */
export const OWNER_ACCOUNT = '111122223333';

const noSuchKey = () => new S3Error(404, 'NoSuchKey', 'The specified key does not exist.');
const bucketNotEmpty = () => new S3Error(409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty');
const alreadyOwned = () => new S3Error(409, 'BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.');

const xml = (res, status, body) => {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/xml');
  res.end(`<?xml version="1.0" encoding="UTF-8"?>${body}`);
};

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Path-style only, as many object servers are: `/bucket/key`. */
function addressOf(req) {
  const path = (req.url ?? '/').split('?', 1)[0];
  const slash = path.indexOf('/', 1);
  return { bucket: slash === -1 ? path.slice(1) : path.slice(1, slash), key: slash === -1 ? '' : decodeURIComponent(path.slice(slash + 1)) };
}

/**
 * The stand-in server: `handle(req, res)` answers S3 requests; `hasBucket` and `ownerOf` are what the
 * recipes hand to bucketCors and corsRouter. Anyone may read; writes need a SigV4 signature by `credentials`.
 */
export function createObjectServer(credentials) {
  const buckets = new Map();
  const verify = createSigV4Verifier({ credentials: [credentials] });
  const signed = async (req) => (await verify(req)).kind === 'signed';

  async function bucketRequest(req, res, bucket) {
    if (req.method === 'PUT') {
      if (!(await signed(req))) return sendS3Error(req, res, S3Errors.accessDenied());
      if (buckets.has(bucket)) return sendS3Error(req, res, alreadyOwned());
      buckets.set(bucket, new Map());
      return void res.end();
    }
    const objects = buckets.get(bucket);
    if (objects === undefined) return sendS3Error(req, res, S3Errors.noSuchBucket(bucket));
    if (req.method === 'DELETE') {
      if (!(await signed(req))) return sendS3Error(req, res, S3Errors.accessDenied());
      if (objects.size > 0) return sendS3Error(req, res, bucketNotEmpty());
      buckets.delete(bucket);
      res.statusCode = 204;
      return void res.end();
    }
    xml(res, 200, `<ListBucketResult><Name>${bucket}</Name><KeyCount>${objects.size}</KeyCount></ListBucketResult>`);
  }

  async function objectRequest(req, res, bucket, key) {
    const objects = buckets.get(bucket);
    if (objects === undefined) return sendS3Error(req, res, S3Errors.noSuchBucket(bucket));
    if (req.method === 'PUT' || req.method === 'DELETE') {
      if (!(await signed(req))) return sendS3Error(req, res, S3Errors.accessDenied());
      if (req.method === 'DELETE') objects.delete(key);
      else {
        const body = await readBody(req);
        const etag = `"${createHash('md5').update(body).digest('hex')}"`;
        objects.set(key, { body, etag, type: req.headers['content-type'] ?? 'binary/octet-stream' });
        res.setHeader('ETag', etag);
      }
      res.statusCode = req.method === 'DELETE' ? 204 : 200;
      return void res.end();
    }
    const object = objects.get(key);
    if (object === undefined) return sendS3Error(req, res, noSuchKey());
    res.setHeader('ETag', object.etag);
    res.setHeader('Content-Type', object.type);
    res.setHeader('Content-Length', object.body.length);
    res.end(req.method === 'HEAD' ? undefined : object.body);
  }

  async function route(req, res) {
    const { bucket, key } = addressOf(req);
    if (bucket === '') return xml(res, 200, `<ListAllMyBucketsResult><Buckets>${[...buckets.keys()].map((name) => `<Bucket><Name>${name}</Name></Bucket>`).join('')}</Buckets></ListAllMyBucketsResult>`);
    return key === '' ? bucketRequest(req, res, bucket) : objectRequest(req, res, bucket, key);
  }

  return {
    handle: (req, res) => route(req, res).catch((error) => (error instanceof S3Error ? sendS3Error(req, res, error) : sendS3Error(req, res, S3Errors.internalError()))),
    hasBucket: (bucket) => buckets.has(bucket),
    ownerOf: () => OWNER_ACCOUNT,
  };
}
