import type { Principal } from '../../platform/auth/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { badRequest, conflict } from '../../platform/errors.ts';
import { newAssetId } from '../assets/model.ts';
import { assetStoreOf } from '../assets/store.ts';
import { requireContainerRole, type ContainerRef } from '../containers/access.ts';
import { allAssetsOfType, customAsset, deleteUnlessUsed } from '../environments/custom-assets.ts';
import { runtimeNotFound } from '../environments/errors.ts';
import { applyPointerMap, checkName } from '../environments/pointer-patch.ts';
import { SOFTWARE_TYPE, softwareOfAsset } from '../software-specifications/catalog.ts';
import {
  FILE_EXTENSION,
  loadPackage,
  PACKAGE_KINDS,
  PACKAGE_TYPE,
  presentPackage,
  type PackageDetails,
  type PackageExtension,
  type PackageKind,
} from './catalog.ts';
import { checkPackageContent } from './content-check.ts';

const WHAT = 'Package extension';
const MIME: Record<PackageKind, string> = { conda_yml: 'application/x-yaml', pip_zip: 'application/zip' };

export interface PackageCreateBody {
  name: string;
  description?: string;
  type: PackageKind;
  interpreter?: string;
}

/**
 * Package extensions: custom conda YAML or pip zip files of a project or space. Each is an asset
 * whose file is an attachment of it: created here (the answer's `href` is the attachment's upload
 * address, served by the assets area, which streams it into blob storage), checked and made usable
 * by upload_complete. Viewers read, editors write.
 */
export class PackageExtensionService {
  constructor(private readonly ctx: AppContext) {}

  private readonly store = () => assetStoreOf(this.ctx);

  async list(principal: Principal, scope: ContainerRef, filter: { name?: string; type?: string }) {
    await requireContainerRole(this.ctx, principal, scope, 'viewer');
    const resources = [];
    for (const asset of await allAssetsOfType(this.ctx, scope, PACKAGE_TYPE, filter.name)) {
      const p = await loadPackage(this.ctx, asset);
      if (filter.type === undefined || p.type === filter.type) resources.push(presentPackage(p));
    }
    return { total_results: resources.length, resources };
  }

  async create(principal: Principal, scope: ContainerRef, body: PackageCreateBody) {
    await requireContainerRole(this.ctx, principal, scope, 'editor');
    checkName(body.name, 'name');
    const { assets, attachments } = this.store();
    const assetId = newAssetId();
    // The asset, then the attachment that will hold its file (it refers to the asset).
    const asset = await assets.transaction(async (trx) => {
      const details: PackageDetails = {
        type: body.type,
        ...(body.interpreter ? { interpreter: body.interpreter } : {}),
        upload_complete: false,
      };
      const created = await assets.createAsset(
        {
          asset_id: assetId,
          container: scope,
          asset_type: PACKAGE_TYPE,
          name: body.name.trim(),
          description: body.description ?? '',
          creator_id: principal.iamId,
          entity: { [PACKAGE_TYPE]: details },
        },
        trx,
      );
      await attachments.createAttachment(
        {
          asset_id: assetId,
          asset_type: PACKAGE_TYPE,
          creator_id: principal.iamId,
          name: `${body.name.trim()}.${FILE_EXTENSION[body.type]}`,
          mime: MIME[body.type],
        },
        trx,
      );
      return created;
    });
    return presentPackage(await loadPackage(this.ctx, asset));
  }

  /** The package extension, after checking the caller's role in its project or space. */
  async find(
    principal: Principal,
    scope: ContainerRef,
    id: string,
    needed: 'viewer' | 'editor',
  ): Promise<PackageExtension> {
    await requireContainerRole(this.ctx, principal, scope, needed);
    const asset = await customAsset(this.ctx, scope, PACKAGE_TYPE, id);
    if (!asset) throw runtimeNotFound(WHAT, id);
    return loadPackage(this.ctx, asset);
  }

  async get(principal: Principal, scope: ContainerRef, id: string) {
    return presentPackage(await this.find(principal, scope, id, 'viewer'));
  }

  async update(principal: Principal, scope: ContainerRef, id: string, changes: Record<string, unknown>) {
    const current = await this.find(principal, scope, id, 'editor');
    const asset = (await customAsset(this.ctx, scope, PACKAGE_TYPE, id))!;
    const next = applyPointerMap(
      { metadata: { name: asset.name, description: asset.description }, entity: asset.entity },
      changes,
      (p) =>
        ['/metadata/name', '/metadata/description'].includes(p) ||
        p === `/entity/${PACKAGE_TYPE}/type` ||
        p === `/entity/${PACKAGE_TYPE}/interpreter`,
    );
    const details = next.entity[PACKAGE_TYPE] as PackageDetails;
    if (!PACKAGE_KINDS.includes(details.type)) {
      throw badRequest(`The type must be one of ${PACKAGE_KINDS.join(', ')}.`, {
        code: 'invalid_type',
        target: { type: 'field', name: `/entity/${PACKAGE_TYPE}/type` },
      });
    }
    if (details.interpreter !== undefined && typeof details.interpreter !== 'string') {
      throw badRequest('The interpreter must be a string.', {
        code: 'invalid_type',
        target: { type: 'field', name: `/entity/${PACKAGE_TYPE}/interpreter` },
      });
    }
    if (details.type !== current.type && current.upload_complete) {
      throw badRequest(
        `Package extension ${id} has a checked ${current.type} file: its type can no longer change (create a new package extension).`,
        { code: 'invalid_request', target: { type: 'field', name: `/entity/${PACKAGE_TYPE}/type` } },
      );
    }
    const updated = await this.store().assets.updateAsset(scope, id, {
      updater_id: principal.iamId,
      name: next.metadata.name,
      description: next.metadata.description,
      entity: next.entity,
    });
    if (!updated) throw runtimeNotFound(WHAT, id);
    return presentPackage(await loadPackage(this.ctx, updated));
  }

  /** Checks the uploaded file against the type and makes the package extension usable. */
  async completeUpload(principal: Principal, scope: ContainerRef, id: string) {
    const p = await this.find(principal, scope, id, 'editor');
    if (p.upload_complete) return presentPackage(p);
    const { assets, attachments, blobs } = this.store();
    const attachment =
      typeof p.attachment_id === 'string' ? await attachments.getAttachment(id, p.attachment_id) : undefined;
    if (!attachment?.blob_id) {
      throw badRequest(
        `Nothing was uploaded for package extension ${id} yet: PUT the file to its href first.`,
        {
          code: 'upload_missing',
        },
      );
    }
    const { stream } = await blobs.open(attachment.blob_id);
    await checkPackageContent(p.type, stream);
    const updated = await assets.transaction(async (trx) => {
      // A new upload may have replaced the file while it was being checked: only the checked one counts.
      const now = await attachments.getAttachment(id, attachment.attachment_id, trx);
      if (now?.blob_id !== attachment.blob_id) {
        throw conflict(
          `The file of package extension ${id} changed while it was checked: call upload_complete again.`,
        );
      }
      await attachments.markComplete(attachment.attachment_id, trx);
      const asset = await assets.getAsset(scope, id, trx);
      if (!asset) return undefined;
      const details = { ...(asset.entity[PACKAGE_TYPE] as PackageDetails), upload_complete: true };
      return assets.updateAsset(
        scope,
        id,
        { updater_id: principal.iamId, entity: { ...asset.entity, [PACKAGE_TYPE]: details } },
        trx,
      );
    });
    if (!updated) throw runtimeNotFound(WHAT, id);
    return presentPackage(await loadPackage(this.ctx, updated));
  }

  async delete(principal: Principal, scope: ContainerRef, id: string) {
    await this.find(principal, scope, id, 'editor');
    await deleteUnlessUsed(this.ctx, scope, WHAT, id, {
      type: SOFTWARE_TYPE,
      label: 'software specification',
      uses: (a) => softwareOfAsset(a).package_extensions.some((ref) => ref.guid === id),
    });
  }
}
