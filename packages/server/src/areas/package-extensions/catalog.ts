import type { AppContext } from '../../platform/context.ts';
import type { Asset } from '../assets/model.ts';
import { assetStoreOf } from '../assets/store.ts';
import { containerQueryString } from '../containers/access.ts';
import { recordOfAsset, runtimeMetadata, type RuntimeRecord } from '../environments/runtime-record.ts';

export const PACKAGE_TYPE = 'package_extension';
export const PACKAGE_KINDS = ['conda_yml', 'pip_zip'] as const;
export type PackageKind = (typeof PACKAGE_KINDS)[number];
export const FILE_EXTENSION: Record<PackageKind, string> = { conda_yml: 'yml', pip_zip: 'zip' };

/**
 * What is stored of a package extension (the asset's entity.package_extension). The file is the
 * asset's one attachment, found by asset rather than by a stored attachment id, so that a package
 * extension survives export and import (which give attachments new ids).
 */
export interface PackageDetails {
  type: PackageKind;
  interpreter?: string;
  /** Set by upload_complete once the file was checked; only then can specifications use it. */
  upload_complete: boolean;
}

export interface PackageExtension extends RuntimeRecord, PackageDetails {
  /** The attachment holding the file (absent until loaded with `loadPackage`). */
  attachment_id?: string;
}

export function packageOfAsset(a: Asset): PackageExtension {
  const d = (a.entity[PACKAGE_TYPE] ?? {}) as Partial<PackageDetails>;
  return {
    ...recordOfAsset(a),
    type: d.type as PackageKind,
    ...(typeof d.interpreter === 'string' ? { interpreter: d.interpreter } : {}),
    upload_complete: d.upload_complete === true,
  };
}

/** The package extension with the id of the attachment that holds its file. */
export async function loadPackage(
  ctx: Pick<AppContext, 'store' | 'config'>,
  a: Asset,
): Promise<PackageExtension> {
  const [attachment] = await assetStoreOf(ctx).attachments.listAttachments(a.asset_id);
  return { ...packageOfAsset(a), ...(attachment ? { attachment_id: attachment.attachment_id } : {}) };
}

export const objectKey = (p: PackageExtension): string =>
  `${PACKAGE_TYPE}/${p.id}.${FILE_EXTENSION[p.type] ?? 'bin'}`;

/** Where the file is uploaded (PUT, application/octet-stream) and, once complete, downloaded. */
export const uploadHref = (p: PackageExtension): string | undefined =>
  p.attachment_id && p.container
    ? `/v2/assets/${p.id}/attachments/${p.attachment_id}/content?${containerQueryString(p.container)}`
    : undefined;

/**
 * The seed's shape: metadata (no href of its own) and entity.package_extension with type,
 * interpreter and object key; `href` is the upload address (shown when the attachment was loaded;
 * not inside a software specification, as in the seed).
 */
export function presentPackage(p: PackageExtension): Record<string, unknown> {
  const href = uploadHref(p);
  return {
    metadata: runtimeMetadata(PACKAGE_TYPE, null, p),
    entity: {
      [PACKAGE_TYPE]: {
        type: p.type,
        ...(p.interpreter ? { interpreter: p.interpreter } : {}),
        object_key: objectKey(p),
        ...(href ? { href } : {}),
      },
    },
  };
}
