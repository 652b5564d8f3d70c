// What the MediaStore tests share: the SDK exception a call rejects with.

import { MediaStoreServiceException } from '@aws-sdk/client-mediastore';

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
