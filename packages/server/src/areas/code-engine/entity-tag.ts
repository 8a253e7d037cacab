import crypto from 'node:crypto';
import { ApiError } from '../../platform/errors.ts';

/** A fresh opaque version, like the service's numeric resource versions. */
export function newEntityTag(): string {
  return String(crypto.randomInt(1_000_000_000, 9_999_999_999));
}

/** The tags an `If-Match` value lists: `*`, `"a"`, `W/"a"`, bare `a`, comma-separated. */
function listedTags(header: string): string[] {
  return header
    .split(',')
    .map((t) =>
      t
        .trim()
        .replace(/^W\//, '')
        .replace(/^"(.*)"$/, '$1'),
    )
    .filter(Boolean);
}

/** 412 unless `If-Match` names the current version (or is `*`). */
export function requireMatch(ifMatch: string | undefined, current: string): void {
  const tags = listedTags(ifMatch ?? '');
  if (tags.length === 0) {
    throw new ApiError(400, "The 'If-Match' header is required: send the resource's entity_tag or '*'.", {
      code: 'invalid_request',
      target: { type: 'header', name: 'If-Match' },
    });
  }
  if (tags.includes('*') || tags.includes(current)) return;
  throw new ApiError(
    412,
    `The 'If-Match' header does not match the current entity_tag of the resource; read it again and retry.`,
    { code: 'precondition_failed', target: { type: 'header', name: 'If-Match' } },
  );
}
