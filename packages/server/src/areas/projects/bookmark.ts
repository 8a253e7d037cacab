import { badRequest } from '../../platform/errors.ts';

/**
 * The list's opaque bookmark: the last project id of the page, so the next page starts right
 * after it through the index whatever its depth. base64url fits the documented
 * `^[0-9A-Za-z_-]{1,1000}$`.
 */
const PREFIX = 'p1:';
const PROJECT_ID = /^[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}$/;

export const encodeBookmark = (lastId: string): string =>
  Buffer.from(PREFIX + lastId, 'utf8').toString('base64url');

export function decodeBookmark(bookmark: string): string {
  const text = Buffer.from(bookmark, 'base64url').toString('utf8');
  const id = text.startsWith(PREFIX) ? text.slice(PREFIX.length) : '';
  if (!PROJECT_ID.test(id)) {
    throw badRequest(`The bookmark '${bookmark}' is not one this service returned.`, {
      parameters: ['bookmark'],
    });
  }
  return id;
}
