import { badRequest } from '../../platform/errors.ts';

/** What the PATCH bodies of the runtime areas address: `/metadata/...` and `/entity/<type>/...`. */
export interface PatchableDoc {
  metadata: { name: string; description: string };
  entity: Record<string, unknown>;
}

const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);

const decode = (segment: string) => segment.replace(/~1/g, '/').replace(/~0/g, '~');

/**
 * Applies the documented PATCH body of environments, hardware and software specifications and
 * package extensions: one object whose keys are JSON pointers and whose values replace what is
 * there (missing objects on the way are created). `allowed` says which pointers may change; any
 * other is refused with a 400 naming it, and nothing is applied.
 */
export function applyPointerMap(
  doc: PatchableDoc,
  changes: Record<string, unknown>,
  allowed: (pointer: string) => boolean,
): PatchableDoc {
  const next = structuredClone(doc) as unknown as Record<string, unknown>;
  for (const [pointer, value] of Object.entries(changes)) {
    const segments = pointer.split('/').slice(1).map(decode);
    if (!allowed(pointer) || segments.some((s) => s === '' || FORBIDDEN_SEGMENTS.has(s))) {
      throw badRequest(`The field ${pointer.slice(0, 200)} cannot be changed.`, {
        code: 'invalid_field',
        target: { type: 'field', name: pointer.slice(0, 200) },
      });
    }
    let node = next;
    for (const segment of segments.slice(0, -1)) {
      const child = node[segment];
      if (child === undefined || child === null) node[segment] = {};
      else if (typeof child !== 'object' || Array.isArray(child)) {
        throw badRequest(`The field ${pointer.slice(0, 200)} is inside a value that is not an object.`, {
          code: 'invalid_field',
          target: { type: 'field', name: pointer.slice(0, 200) },
        });
      }
      node = node[segment] as Record<string, unknown>;
    }
    node[segments[segments.length - 1]!] = value;
  }
  const result = next as unknown as PatchableDoc;
  checkName(result.metadata.name, '/metadata/name');
  if (typeof result.metadata.description !== 'string' || result.metadata.description.length > 4000) {
    throw badRequest('The field /metadata/description must be a string of up to 4000 characters.', {
      code: 'invalid_type',
      target: { type: 'field', name: '/metadata/description' },
    });
  }
  result.metadata.name = result.metadata.name.trim();
  return result;
}

/** Names are 1 to 255 characters, not only spaces. */
export function checkName(value: unknown, field: string): asserts value is string {
  if (typeof value !== 'string' || !value.trim() || value.length > 255) {
    throw badRequest(`The field ${field} must be 1 to 255 characters, not only spaces.`, {
      code: 'invalid_type',
      target: { type: 'field', name: field },
    });
  }
}
