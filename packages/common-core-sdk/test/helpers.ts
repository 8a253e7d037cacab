import crypto from 'node:crypto';
import type { TestServer } from '../../../test/helpers/server.ts';
import { CommonCoreV2, IamAuthenticator } from '../src/index.ts';

/** A client of the test server that authenticates with `apikey` at the server's IAM endpoint. */
export function clientFor(s: TestServer, apikey: string): CommonCoreV2 {
  return new CommonCoreV2({
    authenticator: new IamAuthenticator({ apikey, url: s.url }),
    serviceUrl: s.url,
    retries: false,
  });
}

export const uniqueName = (prefix = 'SDK') => `${prefix} ${crypto.randomBytes(4).toString('hex')}`;
export const MISSING_PROJECT = '00000000-0000-4000-8000-000000000000';
export const MISSING_SPACE = '00000000-0000-7000-8000-000000000000';

/** The last path segment of a location URL: the project id of `/v2/projects/{id}`. */
export const idOf = (location: string) => location.split('/').pop() as string;

/** Captures the rejection of `promise` (fails when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}
