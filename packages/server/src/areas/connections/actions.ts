import type { Principal } from '../../platform/auth/principal.ts';
import { badRequest } from '../../platform/errors.ts';
import type { ContainerRef } from '../containers/access.ts';
import { withSource } from './drivers.ts';
import { validateProperties } from './properties.ts';
import type { ConnectionService } from './service.ts';

const name = (v: unknown, field: string) => {
  if (typeof v !== 'string' || !v || v.length > 255)
    throw badRequest(`The action needs '${field}' (a name of up to 255 characters).`, {
      target: { type: 'field', name: field },
    });
  return v;
};

/** The actions each data source type declares, performed against the real source. */
export class ActionService {
  constructor(private readonly connections: ConnectionService) {}

  async list(principal: Principal, container: ContainerRef, id: string) {
    const { type } = await this.connections.resolveForUse(principal, container, id);
    return { actions: type.actions };
  }

  async perform(
    principal: Principal,
    container: ContainerRef,
    id: string,
    action: string,
    body: Record<string, unknown> | undefined,
  ) {
    const { type, props } = await this.connections.resolveForUse(principal, container, id);
    if (!type.actions.some((a) => a.name === action))
      throw badRequest(
        `The action '${action.slice(0, 100)}' is not supported for data source type '${type.name}' (supported: ${type.actions.map((a) => a.name).join(', ')}).`,
        { target: { type: 'parameter', name: 'action_name' } },
      );
    const input = body ?? {};
    switch (action) {
      case 'validate':
      case 'test': {
        // the body may override properties for this one call (the seed's example does)
        const overrides = validateProperties(type, input, { requireAll: false });
        const merged = { ...props, ...overrides };
        validateProperties(type, merged, { requireAll: true });
        if (action === 'validate') return { valid: true };
        await this.connections.test(type, merged);
        return { result: 'success', message: 'The connection was established.' };
      }
      case 'get_datasource_info':
        return withSource(type, props, async (s) => {
          const info = await s.info();
          return { product_name: info.product, product_version: info.version };
        });
      case 'get_record_count':
      case 'get_approx_record_count': {
        const schema = name(input.schema_name, 'schema_name');
        const table = name(input.table_name, 'table_name');
        return withSource(type, props, async (s) => {
          if (!(await s.columns(schema, table)))
            throw badRequest(`The table '${schema}.${table}' does not exist.`, {
              target: { type: 'field', name: 'table_name' },
            });
          const count =
            action === 'get_record_count' ? await s.count(schema, table) : await s.approxCount(schema, table);
          return { record_count: count };
        });
      }
      default:
        throw badRequest(`The action '${action}' cannot be performed by this server.`, {
          target: { type: 'parameter', name: 'action_name' },
        });
    }
  }
}
