import { badRequest } from '../../platform/errors.ts';
import type { ContainerRef } from '../containers/access.ts';

/** Project and space ids are UUIDs; the seed's example answers `invalid_type` for anything else. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type ScopeQuery = { project_id?: unknown; space_id?: unknown };

/**
 * The project or space a request of the runtime areas (environments, hardware and software
 * specifications, package extensions) is scoped to. Built-in entries need no scope; custom ones
 * live in one project or one space, never in a catalog.
 */
export function scopeOf(query: unknown, required: true): ContainerRef;
export function scopeOf(query: unknown, required: boolean): ContainerRef | undefined;
export function scopeOf(query: unknown, required: boolean): ContainerRef | undefined {
  const q = (query ?? {}) as ScopeQuery;
  const given = (['project_id', 'space_id'] as const).filter((k) => typeof q[k] === 'string' && q[k] !== '');
  if (given.length > 1) {
    throw badRequest('Give either project_id or space_id, not both.', {
      target: { type: 'parameter', name: 'project_id' },
    });
  }
  const name = given[0];
  if (!name) {
    if (required)
      throw badRequest('You need to specify either project_id or space_id.', {
        code: 'missing_parameter',
        target: { type: 'parameter', name: 'project_id' },
      });
    return undefined;
  }
  const id = q[name] as string;
  if (!UUID.test(id)) {
    throw badRequest(`The \`${name}\` field needs to be a uuid, but is ${id.slice(0, 64)}.`, {
      code: 'invalid_type',
      target: { type: 'field', name },
    });
  }
  return { kind: name === 'project_id' ? 'project' : 'space', id };
}
