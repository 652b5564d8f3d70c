// What the MediaStore tests share: the SDK exception a call rejects with, a principal from the signature, a call without the SDK.

import { MediaStoreServiceException } from '@aws-sdk/client-mediastore';
import type { IncomingMessage } from 'node:http';

/** The SDK exception a call rejects with; fails the test when the call succeeds or throws anything else. */
export async function failure(promise: Promise<unknown>): Promise<MediaStoreServiceException> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(MediaStoreServiceException);
    return error as MediaStoreServiceException;
  }
  throw new Error('expected the call to fail');
}

/** The access key ID a request was signed with, as the principal `authorize` grants (a real deployment verifies the signature first). */
export function signedBy(req: IncomingMessage): { principal: string } | false {
  const match = /Credential=([^/]+)\//.exec(req.headers.authorization ?? '');
  return match === null ? false : { principal: match[1]! };
}

/** One control-plane call without the SDK (to see the bytes, or send headers it never does), claiming `accessKeyId`'s signature. */
export function callMediaStore(url: string, operation: string, input: object, accessKeyId: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': `MediaStore_20170901.${operation}`,
      Authorization: `AWS4-HMAC-SHA256 Credential=${accessKeyId}/20261208/us-east-1/mediastore/aws4_request, SignedHeaders=host, Signature=0`,
      ...headers,
    },
    body: JSON.stringify(input),
  });
}
