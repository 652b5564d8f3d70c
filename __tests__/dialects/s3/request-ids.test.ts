// ensureRequestIds: S3's shapes of x-amz-request-id and x-amz-id-2, never an id twice across the refills of its
// random pools, and the ids the host server set kept.

import { IncomingMessage, ServerResponse } from 'node:http';
import { ensureRequestIds } from 'express-bucket-cors/s3';

const response = () => new ServerResponse(new IncomingMessage(null as never));

describe('ensureRequestIds', () => {
  it('sets 16 upper-case hex characters and 76 base64 characters, distinct over 1,000 responses (several refills)', () => {
    const requestIds = new Set<string>();
    const hostIds = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const res = response();
      const ids = ensureRequestIds(res);
      expect(ids.requestId).toMatch(/^[0-9A-F]{16}$/);
      expect(ids.hostId).toMatch(/^[A-Za-z0-9+/]{76}$/);
      expect([res.getHeader('x-amz-request-id'), res.getHeader('x-amz-id-2')]).toEqual([ids.requestId, ids.hostId]);
      requestIds.add(ids.requestId);
      hostIds.add(ids.hostId);
    }
    expect([requestIds.size, hostIds.size]).toEqual([1000, 1000]);
  });

  it('keeps the ids the host server set, and sets none once the headers are sent', () => {
    const res = response();
    res.setHeader('x-amz-request-id', 'HOSTREQUESTID123');
    expect(ensureRequestIds(res).requestId).toBe('HOSTREQUESTID123');
    expect(res.getHeader('x-amz-id-2')).toMatch(/^[A-Za-z0-9+/]{76}$/);
    const sent = response();
    sent.end();
    expect(ensureRequestIds(sent)).toEqual({ requestId: '', hostId: '' });
    expect(sent.getHeader('x-amz-request-id')).toBeUndefined();
  });
});
