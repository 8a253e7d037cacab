import type { Store } from '../../store/db.ts';
import { ContainerRepository } from './repository.ts';

const repos = new WeakMap<Store, ContainerRepository>();

/** The asset containers repository of a server (one per database). */
export function containerRepositoryOf(store: Store): ContainerRepository {
  let r = repos.get(store);
  if (!r) repos.set(store, (r = new ContainerRepository(store)));
  return r;
}
