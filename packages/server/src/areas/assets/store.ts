import type { AppContext } from '../../platform/context.ts';
import { blobStoreOf, type BlobStore } from '../../store/blobs.ts';
import type { Store } from '../../store/db.ts';
import { AttachmentRepository } from './attachment-repository.ts';
import { AssetRepository } from './repository.ts';

/** What other areas use to keep their objects as assets (jobs, connections, environments...). */
export interface AssetStore {
  assets: AssetRepository;
  attachments: AttachmentRepository;
  blobs: BlobStore;
}

const stores = new WeakMap<Store, AssetStore>();

/** The asset store of a server (one per database). No access checks: see containers/access.ts. */
export function assetStoreOf(ctx: Pick<AppContext, 'store' | 'config'>): AssetStore {
  let s = stores.get(ctx.store);
  if (!s) {
    const blobs = blobStoreOf(ctx);
    s = {
      assets: new AssetRepository(ctx.store, blobs),
      attachments: new AttachmentRepository(ctx.store, blobs),
      blobs,
    };
    stores.set(ctx.store, s);
  }
  return s;
}
