// Cross-instance propagation: after a PUT ?cors on one instance is answered, how long until another instance decides with the new rules.

import { createHash } from 'node:crypto';
import { Agent } from 'node:http';
import { performance } from 'node:perf_hooks';
import { send } from '../harness/load.mjs';

/** How long one update may take to show before it counts as lost. */
const GIVE_UP_MS = 2000;

/** @param {number} revision @returns {string} the only origin that revision's rules allow */
const revisionOrigin = (revision) => `https://rev${revision}.example.com`;

/** @param {number} revision @returns {string} a PutBucketCors body allowing only {@link revisionOrigin} */
const revisionXml = (revision) =>
  '<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><CORSRule>' +
  `<AllowedOrigin>${revisionOrigin(revision)}</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod>` +
  '<ExposeHeader>ETag</ExposeHeader></CORSRule></CORSConfiguration>';

/**
 * Sends `updates` successive PUT ?cors to the writer instance and, after each is answered, polls the
 * reader instance back to back with the new rules' origin until that origin is allowed. Revision 0
 * goes first, unmeasured, so that the reader starts with the bucket cached.
 * @param {string} writerBucketUrl  e.g. http://127.0.0.1:4001/inval (instance with the ?cors router)
 * @param {string} readerObjectUrl  e.g. http://127.0.0.1:4002/inval/object (another instance)
 * @param {number} updates
 * @returns {Promise<{ delaysMs: number[], lost: number }>} delays of the updates that showed, and how many never did
 */
export async function propagationDelays(writerBucketUrl, readerObjectUrl, updates) {
  const writer = new Agent({ keepAlive: true, maxSockets: 1 });
  const reader = new Agent({ keepAlive: true, maxSockets: 1 });
  /** @param {number} revision @returns {Promise<number>} ms from the PUT's answer to the first allowed answer */
  const applyAndWait = async (revision) => {
    const body = revisionXml(revision);
    const headers = { 'content-type': 'application/xml', 'content-md5': createHash('md5').update(body).digest('base64') };
    const put = await send({ url: `${writerBucketUrl}?cors`, method: 'PUT', headers, body, agent: writer });
    if (put.status !== 200) throw new Error(`PUT ${writerBucketUrl}?cors answered ${put.status}`);
    const acknowledged = performance.now();
    const origin = revisionOrigin(revision);
    for (;;) {
      const answer = await send({ url: readerObjectUrl, method: 'GET', headers: { origin }, agent: reader });
      const elapsed = performance.now() - acknowledged;
      if (answer.headers['access-control-allow-origin'] === origin) return elapsed;
      if (elapsed > GIVE_UP_MS) return Infinity;
    }
  };
  await applyAndWait(0);
  const delaysMs = [];
  for (let revision = 1; revision <= updates; revision += 1) delaysMs.push(await applyAndWait(revision));
  writer.destroy();
  reader.destroy();
  return { delaysMs: delaysMs.filter(Number.isFinite), lost: delaysMs.filter((delay) => !Number.isFinite(delay)).length };
}
