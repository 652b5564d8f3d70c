// The demo's /metrics counts report-only divergences: a candidate put beside a bucket's rules, requests through the demo server, one count per diverging request.

import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { createDemoMetrics } from '../../examples/server/metrics';
import { startDemo, type RunningDemo } from './demo';

const APP = 'https://app.example';
const ADMIN = 'https://admin.example';

let running: RunningDemo;
beforeAll(async () => {
  running = await startDemo();
  await running.s3.send(new CreateBucketCommand({ Bucket: 'photos' }));
  await running.demo.ruleStore.put('photos', { CORSRules: [{ AllowedOrigins: [APP], AllowedMethods: ['GET'] }] });
});
afterAll(() => running.stop());

const preflight = (origin: string) => fetch(`${running.endpoint}/photos/cat.jpg`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'GET' } });

test('bucket_cors_report_only_divergences_total counts each request the candidate answers differently, and nothing else', async () => {
  const metrics = createDemoMetrics();
  try {
    await running.demo.ruleStore.putCandidate!('photos', { CORSRules: [{ AllowedOrigins: [APP, ADMIN], AllowedMethods: ['GET'] }] });
    const answers = [await preflight(APP), await preflight(ADMIN), await preflight(ADMIN), await preflight('https://other.example')];
    expect(answers.map((answer) => answer.status)).toEqual([200, 403, 403, 403]);
    const text = await metrics.registry.metrics();
    expect(text).toContain('# HELP bucket_cors_report_only_divergences_total');
    expect(text).toContain('bucket_cors_report_only_divergences_total{bucket="photos",kind="preflight",difference="outcome",enforced="refused",candidate="allowed"} 2');
    expect(text.match(/^bucket_cors_report_only_divergences_total\{/gm)).toHaveLength(1);
  } finally {
    metrics.close();
  }
});
