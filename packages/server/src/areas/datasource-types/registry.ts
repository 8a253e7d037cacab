import type { AppContext } from '../../platform/context.ts';
import type { Store } from '../../store/db.ts';
import { DatasourceTypeRepository } from './repository.ts';
import { DatasourceTypeService } from './service.ts';

const services = new WeakMap<Store, DatasourceTypeService>();

/** The data source types of a server (one per database), for the connections area too. */
export function datasourceTypesOf(ctx: AppContext): DatasourceTypeService {
  let s = services.get(ctx.store);
  if (!s)
    services.set(ctx.store, (s = new DatasourceTypeService(ctx, new DatasourceTypeRepository(ctx.store))));
  return s;
}
