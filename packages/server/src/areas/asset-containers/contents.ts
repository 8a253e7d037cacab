import type { AppContext } from '../../platform/context.ts';
import { assetStoreOf } from '../assets/store.ts';
import type { AssetExecutor } from '../assets/repository.ts';
import type { ContainerRef } from '../containers/access.ts';
import { containerRepositoryOf } from './store.ts';

/**
 * Removes what a project, space or catalog holds as an asset container, inside the caller's
 * transaction (the one deleting the container): its assets with their attachments, its archive
 * (archived assets and their attachments), its configurations. Returns what to call after the
 * commit: on SQLite, attachment content lives in files, removed only once the rows are gone for
 * good.
 */
export async function deleteContainerContents(
  ctx: Pick<AppContext, 'store' | 'config'>,
  trx: unknown,
  container: ContainerRef,
): Promise<() => Promise<void>> {
  const store = assetStoreOf(ctx);
  const repo = containerRepositoryOf(ctx.store);
  const db = trx as AssetExecutor & Parameters<typeof repo.deleteArchive>[0];
  const live = await store.assets.deleteContainerAssets(container, db);
  const archivedBlobs = await repo.deleteArchive(db, container);
  await store.blobs.removeRows(db, archivedBlobs);
  await repo.deleteConfigurations(db, container);
  return async () => {
    await live.removeContent();
    await store.blobs.removeContent(archivedBlobs);
  };
}
