import { badRequest } from '../../platform/errors.ts';
import type { Asset } from '../assets/model.ts';
import type { AssetStore } from '../assets/store.ts';
import type { ContainerRef } from '../containers/access.ts';
import type { Language } from '../../workers/run-process.ts';

/** What can run here: `script` assets in Python 3 or shell; the README lists them. */
export const RUNNABLE =
  'script assets in Python 3 or shell (entity.script.language.name python3/python/shell/bash/sh)';

const LANGUAGES: Record<string, Language> = {
  python: 'python3',
  python3: 'python3',
  py: 'python3',
  shell: 'shell',
  bash: 'shell',
  sh: 'shell',
};

/** The language of a script asset: its declared language, else its attachment's file extension. */
function languageOf(asset: Asset, attachmentName: string): Language | undefined {
  const script = (asset.entity.script ?? {}) as { language?: { name?: unknown } | string };
  const declared = typeof script.language === 'string' ? script.language : script.language?.name;
  if (typeof declared === 'string') return LANGUAGES[declared.toLowerCase()];
  const ext = /\.([a-z0-9]+)$/i.exec(attachmentName)?.[1]?.toLowerCase();
  return ext ? LANGUAGES[ext] : undefined;
}

export interface Runnable {
  language: Language;
  code: Buffer;
  asset: Asset;
}

const MAX_CODE_BYTES = 16 * 1024 * 1024;

/**
 * The code a job runs, read from its asset's attachment; a 400 saying why when the job cannot run
 * on this server (no asset, an asset type or language that does not run here, no uploaded code).
 */
export async function loadRunnable(
  store: AssetStore,
  container: ContainerRef,
  assetRef: string | undefined,
  assetRefType?: string,
): Promise<Runnable> {
  const field = { target: { type: 'field' as const, name: 'job.asset_ref' } };
  if (!assetRef) {
    throw badRequest(
      `This job has no asset to run (asset_ref_type ${assetRefType ?? 'unset'}): only jobs of ${RUNNABLE} run on this server.`,
      field,
    );
  }
  const asset = await store.assets.getAsset(container, assetRef);
  if (!asset)
    throw badRequest(`The job's asset ${assetRef} no longer exists in this ${container.kind}.`, field);
  if (asset.asset_type !== 'script') {
    throw badRequest(
      `Assets of type ${asset.asset_type} cannot run on this server: only ${RUNNABLE} run.`,
      field,
    );
  }
  const attachment = (await store.attachments.listAttachments(asset.asset_id)).find(
    (a) => a.transfer_complete && a.blob_id,
  );
  if (!attachment)
    throw badRequest(
      `Script ${asset.asset_id} has no uploaded code: upload it as an attachment first.`,
      field,
    );
  const language = languageOf(asset, attachment.name);
  if (!language) {
    throw badRequest(
      `Script ${asset.asset_id} is in a language that cannot run here: only ${RUNNABLE} run.`,
      field,
    );
  }
  const { stream } = await store.blobs.open(attachment.blob_id!);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > MAX_CODE_BYTES) {
      stream.destroy();
      throw badRequest(`Script ${asset.asset_id} is larger than ${MAX_CODE_BYTES} bytes.`, field);
    }
    chunks.push(chunk as Buffer);
  }
  return { language, code: Buffer.concat(chunks), asset };
}
