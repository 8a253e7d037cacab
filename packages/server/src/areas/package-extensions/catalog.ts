import type { Asset } from '../assets/model.ts';
import { containerQueryString } from '../containers/access.ts';
import { recordOfAsset, runtimeMetadata, type RuntimeRecord } from '../environments/runtime-record.ts';

export const PACKAGE_TYPE = 'package_extension';
export const PACKAGE_KINDS = ['conda_yml', 'pip_zip'] as const;
export type PackageKind = (typeof PACKAGE_KINDS)[number];

/** What is stored of a package extension (the asset's entity.package_extension). */
export interface PackageDetails {
  type: PackageKind;
  interpreter?: string;
  object_key: string;
  /** The asset attachment that holds the uploaded file. */
  attachment_id: string;
  /** Set by upload_complete once the file was checked; only then can specifications use it. */
  upload_complete: boolean;
}

export interface PackageExtension extends RuntimeRecord, PackageDetails {}

export function packageOfAsset(a: Asset): PackageExtension {
  return { ...recordOfAsset(a), ...(a.entity[PACKAGE_TYPE] as PackageDetails) };
}

/** Where the file is uploaded (PUT, application/octet-stream) and, once complete, downloaded. */
export const uploadHref = (p: PackageExtension): string =>
  `/v2/assets/${p.id}/attachments/${p.attachment_id}/content?${containerQueryString(p.container!)}`;

/**
 * The seed's shape: metadata (no href of its own) and entity.package_extension with type,
 * interpreter and object key; `href` is the upload address (left out where a package extension is
 * shown inside a software specification, as the seed does).
 */
export function presentPackage(p: PackageExtension, withHref = true): Record<string, unknown> {
  return {
    metadata: runtimeMetadata(PACKAGE_TYPE, null, p),
    entity: {
      [PACKAGE_TYPE]: {
        type: p.type,
        ...(p.interpreter ? { interpreter: p.interpreter } : {}),
        object_key: p.object_key,
        ...(withHref ? { href: uploadHref(p) } : {}),
      },
    },
  };
}
