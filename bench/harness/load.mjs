// HTTP load and single requests against the servers under test: autocannon for throughput, node:http for checks.

import { request } from 'node:http';
import autocannon from 'autocannon';

/**
 * @typedef {object} LoadTarget
 * @property {string} url
 * @property {'GET' | 'OPTIONS'} method
 * @property {Record<string, string>} headers
 * @property {(request: Record<string, unknown>) => Record<string, unknown>} [setupRequest]  changes each request (autocannon), e.g. its path
 */

/**
 * Runs autocannon against one target and returns how many requests succeeded, and how many per
 * second. Any non-2xx answer or socket error fails the run: a variant that answers errors fast must
 * not look fast.
 * @param {LoadTarget} target
 * @param {{ seconds?: number, amount?: number, connections?: number }} load
 * @returns {Promise<{ requests: number, perSecond: number }>}
 */
export async function throughput(target, { seconds, amount, connections = 10 }) {
  const result = await autocannon({
    url: target.url,
    method: target.method,
    headers: target.headers,
    ...(target.setupRequest === undefined ? {} : { requests: [{ method: target.method, headers: target.headers, setupRequest: target.setupRequest }] }),
    connections,
    pipelining: 1,
    ...(amount === undefined ? { duration: seconds } : { amount }),
  });
  if (result.non2xx > 0 || result.errors > 0 || result.timeouts > 0) {
    throw new Error(`${target.method} ${target.url}: ${result.non2xx} non-2xx answers, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  return { requests: result['2xx'], perSecond: result['2xx'] / result.duration };
}

/**
 * @typedef {object} Answer
 * @property {number} status
 * @property {import('node:http').IncomingHttpHeaders} headers
 */

/**
 * Sends one request and waits for the whole answer.
 * @param {{ url: string, method: string, headers: Record<string, string>, body?: string, agent?: import('node:http').Agent }} target
 * @returns {Promise<Answer>}
 */
export function send({ url, method, headers, body, agent }) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent }, (res) => {
      res.resume();
      res.once('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
      res.once('error', reject);
    });
    req.once('error', reject);
    req.end(body);
  });
}
