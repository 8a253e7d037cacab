import { ApiError, conflict, notFound } from '../../platform/errors.ts';

/** A 404 naming what is missing, with the hint a custom entry needs its project or space. */
export const runtimeNotFound = (what: string, id: string) =>
  notFound(
    `${what} ${id.slice(0, 100)} does not exist (a custom one is found only with the project_id or space_id it belongs to).`,
    { code: 'not_found', target: { type: 'parameter', name: 'guid' } },
  );

/** Built-in entries are read-only: the answer to changing or deleting one. */
export const builtinReadOnly = (what: string, id: string) =>
  new ApiError(
    403,
    `${what} ${id} is built in and read-only: only custom ones of a project or space can be changed or deleted.`,
    { code: 'built_in_read_only' },
  );

export const stillInUse = (what: string, id: string, user: string) =>
  conflict(`${what} ${id} is still used by ${user}; change or delete that first.`, { code: 'in_use' });
