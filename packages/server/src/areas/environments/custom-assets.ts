import type { AppContext } from '../../platform/context.ts';
import type { Asset, AssetKey } from '../assets/model.ts';
import { assetStoreOf } from '../assets/store.ts';
import type { ContainerRef } from '../containers/access.ts';

/** Every asset of one type in a project or space (optionally with one name), in creation order. */
export async function allAssetsOfType(
  ctx: Pick<AppContext, 'store' | 'config'>,
  container: ContainerRef,
  type: string,
  name?: string,
): Promise<Asset[]> {
  const { assets } = assetStoreOf(ctx);
  const out: Asset[] = [];
  let after: AssetKey | undefined;
  do {
    const page = await assets.listAssets({
      container,
      type,
      filters: name === undefined ? {} : { name },
      limit: 1000,
      after,
    });
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
): Promise<Asset | undefined> {
  const asset = await assetStoreOf(ctx).assets.getAsset(container, id);
  return asset?.asset_type === type ? asset : undefined;
}
