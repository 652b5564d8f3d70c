// What every recipe beside this file shares and a real server would configure its own way: the rule store (in memory,
// or Redis when REDIS_URL is set), the owner's keys, and listening on loopback with one line saying where.

import { MemoryRuleStore, RedisRuleStore } from 'express-bucket-cors';

/** The owner's keys (`OWNER_CREDENTIALS=ACCESS_KEY:SECRET` overrides the example ones). */
export const OWNER = credentialsFrom(process.env.OWNER_CREDENTIALS ?? 'AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');

/** `ACCESS_KEY:SECRET` as SigV4 credentials. */
export function credentialsFrom(pair) {
  const colon = pair.indexOf(':');
  if (colon <= 0) throw new Error('credentials must be given as ACCESS_KEY:SECRET');
  return { accessKeyId: pair.slice(0, colon), secretAccessKey: pair.slice(colon + 1) };
}

/** The rules of every instance: Redis at REDIS_URL (shared), else this process's memory. */
export async function ruleStore() {
  if (process.env.REDIS_URL === undefined) return new MemoryRuleStore();
  const { default: Redis } = await import('ioredis');
  const client = new Redis(process.env.REDIS_URL);
  return new RedisRuleStore({ client });
}

/** Listens on 127.0.0.1:PORT (a free port when unset) and prints one line with the URL. */
export function listen(server, name) {
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log(`${name} listening on http://127.0.0.1:${server.address().port}`));
  return server;
}
