// The command line's report-only rules on a real redis-server: put/get/delete --report-only, promote on both versions, explain --bucket of both, list skipping candidates.

import Redis from 'ioredis';
import type { CorsConfiguration } from 'express-bucket-cors/core';
import { serializeCorsXml } from 'express-bucket-cors/s3';
import { RedisRuleStore } from 'express-bucket-cors';
import { connectionTracker, isolated, nextEvent, subscribed } from '../store/helpers';
import { startRedis, type RedisServerHandle } from '../support/redis';
import { cliWorkspace, storeArguments } from './run';

const RULES: CorsConfiguration = { CORSRules: [{ AllowedOrigins: ['https://app.example'], AllowedMethods: ['GET', 'PUT'], AllowedHeaders: ['*'], ExposeHeaders: ['ETag'] }] };
const WIDER: CorsConfiguration = { CORSRules: [...RULES.CORSRules, { AllowedOrigins: ['https://admin.example'], AllowedMethods: ['GET'] }] };

const { cli, file } = cliWorkspace('bucket-cors-report-only-');
const { track, disconnectAll } = connectionTracker();
let redis: RedisServerHandle;

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  disconnectAll();
  await redis.stop();
});

describe('bucket-cors report-only candidates', () => {
  const storeArgs = (names: { keyPrefix: string; channel: string }) => storeArguments(redis.url, names);

  test('put --report-only stores the candidate beside the rules and tells running servers; get and delete --report-only', async () => {
    const names = isolated();
    const server = new RedisRuleStore({ client: track(new Redis(redis.url)), ...names });
    await server.put('photos', RULES);
    await subscribed(server);
    const heard = nextEvent(server, (event) => event.type === 'bucket' && typeof event.candidateVersion === 'string');
    const put = await cli.run(['put', 'photos', file('wider.json', JSON.stringify(WIDER)), '--report-only', ...storeArgs(names), '--json']);
    expect(put.code).toBe(0);
    const { version } = JSON.parse(put.stdout) as { version: string };
    await expect(heard).resolves.toEqual({ type: 'bucket', bucket: 'photos', candidateVersion: version });
    await expect(server.getRules('photos')).resolves.toMatchObject({ enforced: { configuration: RULES }, candidate: { configuration: WIDER, version } });

    const human = await cli.run(['put', 'photos', file('wider.json', JSON.stringify(WIDER)), '--report-only', ...storeArgs(names), '--if-version', 'stale']);
    expect(human).toMatchObject({ code: 1, stderr: expect.stringContaining('the report-only CORS configuration of bucket "photos"') });
    expect(JSON.parse((await cli.run(['get', 'photos', '--report-only', ...storeArgs(names), '--json'])).stdout)).toEqual({ bucket: 'photos', configuration: WIDER, version, reportOnly: true });
    expect((await cli.run(['get', 'photos', '--report-only', ...storeArgs(names), '--to', 'xml'])).stdout.trim()).toBe(serializeCorsXml(WIDER));
    expect(JSON.parse((await cli.run(['get', 'photos', ...storeArgs(names), '--json'])).stdout)).toMatchObject({ configuration: RULES });
    expect(JSON.parse((await cli.run(['list', ...storeArgs(names), '--json'])).stdout)).toEqual({ buckets: ['photos'] });

    const deleted = await cli.run(['delete', 'photos', '--report-only', ...storeArgs(names)]);
    expect(deleted).toMatchObject({ code: 0, stdout: 'deleted the report-only candidate of bucket photos\n' });
    expect(await cli.run(['get', 'photos', '--report-only', ...storeArgs(names)])).toMatchObject({ code: 1, stdout: expect.stringContaining('no report-only CORS configuration') });
    await expect(server.get('photos')).resolves.toMatchObject({ configuration: RULES });
    await server.close();
  });

  test('explain --bucket shows the rules and the candidate; promote makes it the rules on both versions', async () => {
    const names = isolated();
    const store = new RedisRuleStore({ client: track(new Redis(redis.url)), ...names });
    const rules = await store.put('photos', RULES);
    const candidate = await store.putCandidate('photos', WIDER);
    const explainArgs = ['explain', '--bucket', 'photos', '--origin', 'https://admin.example', '--method', 'GET', '--preflight', ...storeArgs(names)];
    const explained = await cli.run(explainArgs);
    expect(explained.code).toBe(1); // the rules refuse it
    expect(explained.stdout).toContain('preflight refused (no rule matches)');
    expect(explained.stdout).toContain(`report-only candidate (version ${candidate.version}) answers differently (outcome):\n  preflight allowed by rule 2`);
    const json = JSON.parse((await cli.run([...explainArgs, '--json'])).stdout) as { allowed: boolean; candidate: { allowed: boolean; difference: string; version: string } };
    expect(json).toMatchObject({ allowed: false, candidate: { allowed: true, difference: 'outcome', version: candidate.version } });

    const stale = await cli.run(['promote', 'photos', '--if-version', rules.version, '--if-candidate-version', 'stale', ...storeArgs(names)]);
    expect(stale).toMatchObject({ code: 1, stderr: expect.stringContaining('report-only CORS configuration') });
    expect((await cli.run(['promote', 'photos', '--if-absent', ...storeArgs(names)])).code).toBe(1);
    await expect(store.getRules('photos')).resolves.toEqual({ enforced: rules, candidate });
    const promoted = await cli.run(['promote', 'photos', '--if-version', rules.version, '--if-candidate-version', candidate.version, ...storeArgs(names)]);
    expect(promoted).toMatchObject({ code: 0, stdout: expect.stringContaining(`(version ${candidate.version})`) });
    await expect(store.getRules('photos')).resolves.toEqual({ enforced: candidate, candidate: null });
    expect((await store.history('photos'))[0]).toMatchObject({ source: 'promote', version: candidate.version, previousVersion: rules.version });
    expect(await cli.run(['promote', 'photos', ...storeArgs(names)])).toMatchObject({ code: 1, stderr: expect.stringContaining('no report-only CORS configuration to promote') });
    expect((await cli.run(['promote', '--help'])).stdout).toContain('Example');
    await store.close();
  });
});
