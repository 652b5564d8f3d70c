// The rule lifecycle of a MediaStore container from the command line, where MediaStore's API has no place for it
// (conditions, history, rollback, candidates, drift), beside mediaStoreRouter and @aws-sdk/client-mediastore on one
// real redis-server: what the CLI changes is what GetCorsPolicy answers, and the router's changes are in its history.

import { DeleteCorsPolicyCommand, GetCorsPolicyCommand, MediaStoreClient, PutCorsPolicyCommand, type CorsRule } from '@aws-sdk/client-mediastore';
import express from 'express';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mediaStoreRouter } from 'express-bucket-cors/mediastore';
import type { RuleStore } from 'express-bucket-cors';
import { callMediaStore, signedBy } from '../support/mediastore';
import { isolated } from '../store/helpers';
import { cliRedis, cliWorkspace } from './run';

const ACCESS_KEY = 'AKIAMEDIAEDITOR';
const POLICY: CorsRule[] = [{ AllowedOrigins: ['https://player.example'], AllowedMethods: ['GET', 'HEAD'], AllowedHeaders: ['range'], ExposeHeaders: ['ETag'], MaxAgeSeconds: 600 }];
const SECOND: CorsRule[] = [{ AllowedOrigins: ['https://player.example', 'https://*.cdn.example'], AllowedMethods: ['GET'], AllowedHeaders: ['*'], MaxAgeSeconds: 60 }];
const WIDER: CorsRule[] = [...POLICY, { AllowedOrigins: ['https://editor.example'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'] }];

const { cli, file } = cliWorkspace('bucket-cors-mediastore-');
const redis = cliRedis();

interface ControlPlane {
  readonly client: MediaStoreClient;
  /** GetCorsPolicy's body exactly as the router sends it. */
  rawPolicy(container: string): Promise<string>;
  close(): Promise<void>;
}

async function controlPlane(store: RuleStore): Promise<ControlPlane> {
  const app = express();
  app.use(mediaStoreRouter({ store, authorize: signedBy, logger: { warn: jest.fn(), error: jest.fn() } }));
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new MediaStoreClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: 'secret' }, maxAttempts: 1 });
  return {
    client,
    async rawPolicy(container) {
      const response = await callMediaStore(url, 'GetCorsPolicy', { ContainerName: container }, ACCESS_KEY);
      expect(response.status).toBe(200);
      return response.text();
    },
    close: async () => {
      client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
    },
  };
}

interface Change {
  readonly version: string | null;
  readonly previousVersion: string | null;
  readonly source: string;
  readonly principal: string | null;
}

describe('bucket-cors for a MediaStore container', () => {
  test('conditions, history, rollback, report-only and drift from the CLI; GetCorsPolicy answers what they leave', async () => {
    const names = isolated();
    const store = redis.storeOf(names);
    const plane = await controlPlane(store);
    const args = redis.storeArgs(names);
    const policyFile = (name: string, policy: CorsRule[]) => file(name, JSON.stringify(policy));
    const putArgs = (name: string, policy: CorsRule[]) => ['put', 'movies', policyFile(name, policy), '--format', 'mediastore', '--dialect', 'mediastore', ...args];
    const policyNow = async () => (await plane.client.send(new GetCorsPolicyCommand({ ContainerName: 'movies' }))).CorsPolicy;
    const history = async () => (JSON.parse((await cli.run(['history', 'movies', ...args, '--json'])).stdout) as { history: Change[] }).history;
    try {
      await plane.client.send(new PutCorsPolicyCommand({ ContainerName: 'movies', CorsPolicy: POLICY }));
      const atFirst = await plane.rawPolicy('movies');
      const [first] = await history();
      expect(first).toMatchObject({ previousVersion: null, source: 'router', principal: ACCESS_KEY });
      expect((await cli.run(['history', 'movies', ...args])).stdout).toContain(`${first!.version} replaced (none)  router by ${ACCESS_KEY}`);

      // Conditions: MediaStore's PutCorsPolicy takes none; `put --if-absent` / `--if-version` that do not hold change nothing.
      const absent = await cli.run([...putArgs('second.json', SECOND), '--if-absent']);
      expect(absent).toMatchObject({ code: 1, stderr: expect.stringContaining('"movies"') });
      expect((await cli.run([...putArgs('second.json', SECOND), '--if-version', 'stale'])).code).toBe(1);
      expect(await plane.rawPolicy('movies')).toBe(atFirst);
      expect(await history()).toHaveLength(1);
      const put = await cli.run([...putArgs('second.json', SECOND), '--if-version', first!.version!, '--json']);
      expect(put.code).toBe(0);
      const second = (JSON.parse(put.stdout) as { version: string }).version;
      expect(await policyNow()).toEqual(SECOND);

      // Drift against the policy file, in MediaStore's format.
      const template = policyFile('template.json', POLICY);
      const drift = await cli.run(['diff', '--template', template, '--format', 'mediastore', '--buckets', 'movies', ...args]);
      expect(drift).toMatchObject({ code: 1, stdout: expect.stringContaining('1 of 1 bucket(s) drift') });

      // Rollback: GetCorsPolicy answers, byte for byte, what it answered at the first version.
      expect((await cli.run(['rollback', 'movies', first!.version!, '--if-version', 'stale', ...args])).code).toBe(1);
      expect(await policyNow()).toEqual(SECOND);
      const rollback = await cli.run(['rollback', 'movies', first!.version!, '--if-version', second, ...args]);
      expect(rollback).toMatchObject({ code: 0, stdout: expect.stringContaining(`the rules of version ${first!.version} again`) });
      expect(await plane.rawPolicy('movies')).toBe(atFirst);
      expect(await cli.run(['diff', '--template', template, '--format', 'mediastore', '--buckets', 'movies', ...args])).toMatchObject({ code: 0 });

      // Report-only: the candidate is not what GetCorsPolicy answers until it is promoted.
      const candidate = await cli.run([...putArgs('wider.json', WIDER), '--report-only', '--json']);
      expect(candidate.code).toBe(0);
      const candidateVersion = (JSON.parse(candidate.stdout) as { version: string }).version;
      expect(await plane.rawPolicy('movies')).toBe(atFirst);
      expect(JSON.parse((await cli.run(['get', 'movies', '--report-only', '--to', 'mediastore', ...args])).stdout)).toEqual(WIDER);
      expect((await cli.run(['promote', 'movies', '--if-candidate-version', 'stale', ...args])).code).toBe(1);
      expect(await plane.rawPolicy('movies')).toBe(atFirst);
      expect((await cli.run(['promote', 'movies', '--if-candidate-version', candidateVersion, ...args])).code).toBe(0);
      expect(await policyNow()).toEqual(WIDER);

      expect((await cli.run(['delete', 'movies', '--if-version', first!.version!, ...args])).code).toBe(1);
      expect(await policyNow()).toEqual(WIDER);
      await plane.client.send(new DeleteCorsPolicyCommand({ ContainerName: 'movies' }));
      const changes = await history();
      expect(changes.map(({ source, principal }) => ({ source, principal }))).toEqual([
        { source: 'router', principal: ACCESS_KEY },
        { source: 'promote', principal: null },
        { source: 'rollback', principal: null },
        { source: 'cli', principal: null },
        { source: 'router', principal: ACCESS_KEY },
      ]);
      expect(changes[0]).toMatchObject({ version: null, previousVersion: candidateVersion });
      expect(changes[1]).toMatchObject({ version: candidateVersion });
      expect(changes[3]).toMatchObject({ version: second, previousVersion: first!.version });
    } finally {
      await plane.close();
    }
  });

  test('put --dialect mediastore refuses what PutCorsPolicy would, and stores nothing', async () => {
    const names = isolated();
    const store = redis.storeOf(names);
    const post = file('post.json', JSON.stringify({ CORSRules: [{ AllowedOrigins: ['https://player.example'], AllowedMethods: ['POST'] }] }));
    expect(await cli.run(['put', 'movies', post, '--dialect', 'mediastore', ...redis.storeArgs(names)])).toMatchObject({ code: 1, stderr: expect.stringContaining('mediastore would refuse it') });
    expect(await cli.run(['put', 'movies.2026', file('ok.json', JSON.stringify(POLICY)), '--format', 'mediastore', '--dialect', 'mediastore', ...redis.storeArgs(names)])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('would refuse the name "movies.2026"'),
    });
    expect(await store.get('movies')).toBeNull();
    expect(await store.get('movies.2026')).toBeNull();
  });
});
