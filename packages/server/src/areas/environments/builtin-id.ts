import crypto from 'node:crypto';

/** Namespace of the ids this server gives built-in entries whose real id we do not know. */
const NAMESPACE = Buffer.from('5f0c3c2e8b6a4f0e9d51a7c3e2b10d44', 'hex');

/**
 * A name-based (RFC 9562 version 5) id, as the real service gives its built-in specifications:
 * the same name always has the same id, on every server.
 */
export function builtinId(kind: string, name: string): string {
  const hash = crypto.createHash('sha1').update(NAMESPACE).update(`${kind}:${name}`).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** When the built-in catalogs of this server were last revised (their created_at and updated_at). */
export const CATALOG_DATE = '2025-01-15T00:00:00.000Z';
