import { sql, type Transaction } from 'kysely';
import type { AppContext } from '../../platform/context.ts';
import type { Asset, AssetKey } from '../assets/model.ts';
import type { AssetExecutor } from '../assets/repository.ts';
import type { AssetTables } from '../assets/tables.ts';
import { runtimeNotFound, stillInUse } from './errors.ts';
import { assetStoreOf } from '../assets/store.ts';
import type { ContainerRef } from '../containers/access.ts';

/** Every asset of one type in a project or space (optionally with one name), in creation order. */
export async function allAssetsOfType(
  ctx: Pick<AppContext, 'store' | 'config'>,
  container: ContainerRef,
  type: string,
  name?: string,
  trx?: AssetExecutor,
): Promise<Asset[]> {
  const { assets } = assetStoreOf(ctx);
  const out: Asset[] = [];
  let after: AssetKey | undefined;
  do {
    const page = await assets.listAssets(
      {
        container,
        type,
        filters: name === undefined ? {} : { name },
        limit: 1000,
        after,
      },
      trx,
    );
    out.push(...page.assets);
    after = page.next;
  } while (after);
  return out;
}

/** The custom asset of `type` with this id in the container, or undefined. */
export async function customAsset(
  ctx: Pick<AppContext, 'store' | 'config'>,
  container: ContainerRef,
  type: string,
  id: string,
  trx?: AssetExecutor,
): Promise<Asset | undefined> {
  const asset = await assetStoreOf(ctx).assets.getAsset(container, id, trx);
  return asset?.asset_type === type ? asset : undefined;
}

/**
 * Runs `work` in one transaction holding the container's lock on its runtime definitions
 * (environments, hardware and software specifications, package extensions): a check that one is
 * still used, or that one it references exists, and the write that relies on it cannot interleave
 * with another such write, on any instance. SQLite runs one write transaction at a time already.
 */
export function inRuntimeLock<T>(
  ctx: Pick<AppContext, 'store' | 'config'>,
  container: ContainerRef,
  work: (trx: Transaction<AssetTables>) => Promise<T>,
): Promise<T> {
  return assetStoreOf(ctx).assets.transaction(async (trx) => {
    if (ctx.store.dialect === 'postgres') {
      const key = `runtime definitions of ${container.kind} ${container.id}`;
      await sql`select pg_advisory_xact_lock(hashtextextended(${key}, 0))`.execute(trx);
    }
    return work(trx);
  });
}

/**
 * Deletes a custom runtime definition unless an asset of `user.type` still uses it (409 naming
 * that asset): the check and the delete in one transaction under the runtime lock.
 */
export async function deleteUnlessUsed(
  ctx: Pick<AppContext, 'store' | 'config'>,
  container: ContainerRef,
  what: string,
  id: string,
  user: { type: string; label: string; uses: (asset: Asset) => boolean },
): Promise<void> {
  const { deleted, removeContent } = await inRuntimeLock(ctx, container, async (trx) => {
    const found = (await allAssetsOfType(ctx, container, user.type, undefined, trx)).find(user.uses);
    if (found) throw stillInUse(what, id, `${user.label} ${found.asset_id} (${found.name})`);
    return assetStoreOf(ctx).assets.deleteAsset(container, id, trx);
  });
  if (!deleted) throw runtimeNotFound(what, id);
  await removeContent();
}
