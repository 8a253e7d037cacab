import type { Readable } from 'node:stream';
import type { Principal } from '../../platform/auth/principal.ts';
import { conflict, notFound } from '../../platform/errors.ts';
import type { ContainerRef } from '../containers/access.ts';
import type { Attachment, AttachmentRepository } from './attachment-repository.ts';
import { presentAttachment } from './present.ts';
import type { AssetService } from './service.ts';

export interface AttachmentCreateBody {
  asset_type?: string;
  name?: string;
  description?: string;
  mime?: string;
  data_partitions?: number;
  is_partitioned?: boolean;
  user_data?: Record<string, unknown>;
}

const attachmentNotFound = (id: string) =>
  notFound(`Attachment ${id} does not exist on this asset.`, { parameters: [id] });

/**
 * Attachments in three steps, as the real API: create the record (answers `url1`), PUT the content
 * to `url1`, mark it complete; then `url` downloads it. Viewers read, editors write.
 */
export class AttachmentService {
  constructor(
    private readonly assets: AssetService,
    private readonly repo: AttachmentRepository,
  ) {}

  private async find(
    principal: Principal,
    container: ContainerRef,
    assetId: string,
    id: string,
    needed: 'viewer' | 'editor',
  ) {
    const asset = await this.assets.requireAsset(principal, container, assetId, needed);
    const att = await this.repo.getAttachment(assetId, id);
    if (!att) throw attachmentNotFound(id);
    return { asset, att };
  }

  async create(
    principal: Principal,
    container: ContainerRef,
    assetId: string,
    body: AttachmentCreateBody,
    baseUrl: string,
  ) {
    const asset = await this.assets.requireAsset(principal, container, assetId, 'editor');
    const att = await this.repo.createAttachment({
      asset_id: assetId,
      asset_type: body.asset_type ?? asset.asset_type,
      creator_id: principal.iamId,
      name: body.name,
      description: body.description,
      mime: body.mime,
      is_partitioned: body.is_partitioned,
      data_partitions: body.data_partitions,
      user_data: body.user_data,
    });
    return presentAttachment(asset, att, baseUrl);
  }

  async get(principal: Principal, container: ContainerRef, assetId: string, id: string, baseUrl: string) {
    const { asset, att } = await this.find(principal, container, assetId, id, 'viewer');
    return presentAttachment(asset, att, baseUrl);
  }

  async delete(principal: Principal, container: ContainerRef, assetId: string, id: string) {
    await this.assets.requireAsset(principal, container, assetId, 'editor');
    if (!(await this.repo.deleteAttachment(assetId, id))) throw attachmentNotFound(id);
  }

  /**
   * Checks everything that can be checked before reading the content, so a refused upload reads
   * nothing. Returns the function that stores the stream.
   */
  async prepareUpload(principal: Principal, container: ContainerRef, assetId: string, id: string) {
    await this.find(principal, container, assetId, id, 'editor').then(({ att }) => refuseComplete(att));
    return async (content: Readable, declaredLength?: number) => {
      const blob = await this.repo.blobs.put(content, { declaredLength });
      const updated = await this.repo.attachContent(assetId, id, blob, refuseComplete);
      if (!updated) throw attachmentNotFound(id);
      return { attachment_id: id, size: blob.size };
    };
  }

  async complete(
    principal: Principal,
    container: ContainerRef,
    assetId: string,
    id: string,
    baseUrl: string,
  ) {
    const { asset, att } = await this.find(principal, container, assetId, id, 'editor');
    if (!att.blob_id) {
      throw conflict(`Attachment ${id} has no content yet: upload it to url1 first.`, { parameters: [id] });
    }
    if (!att.transfer_complete) await this.repo.markComplete(id);
    return presentAttachment(asset, { ...att, transfer_complete: true }, baseUrl);
  }

  async download(principal: Principal, container: ContainerRef, assetId: string, id: string) {
    const { att } = await this.find(principal, container, assetId, id, 'viewer');
    if (!att.transfer_complete || !att.blob_id) {
      throw conflict(`Attachment ${id} is not complete yet.`, { parameters: [id] });
    }
    const { info, stream } = await this.repo.blobs.open(att.blob_id);
    return { mime: att.mime, size: info.size, stream };
  }
}

function refuseComplete(att: Attachment): void {
  if (att.transfer_complete) {
    throw conflict(`Attachment ${att.attachment_id} is complete; its content can no longer change.`, {
      parameters: [att.attachment_id],
    });
  }
}
