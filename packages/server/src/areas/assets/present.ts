import { CONTAINER_PARAM, containerQueryString } from '../containers/access.ts';
import type { Attachment } from './attachment-repository.ts';
import type { Asset } from './model.ts';

/** Relative href of an asset, with its container (`/v2/assets/{id}?project_id=...`). */
export const assetHref = (a: Asset): string =>
  `/v2/assets/${a.asset_id}?${containerQueryString(a.container)}`;

/** The metadata block of the Watson Data API shape. */
export function assetMetadata(a: Asset): Record<string, unknown> {
  return {
    asset_id: a.asset_id,
    asset_type: a.asset_type,
    name: a.name,
    description: a.description,
    tags: a.tags,
    ...(a.origin_country ? { origin_country: a.origin_country } : {}),
    asset_category: a.asset_category,
    asset_state: a.asset_state,
    [CONTAINER_PARAM[a.container.kind]]: a.container.id,
    owner_id: a.owner_id,
    creator_id: a.creator_id,
    created_at: a.created_at,
    create_time: a.created_at,
    rov: a.rov,
    usage: a.usage,
    version: a.version,
  };
}

/** `{metadata, entity, attachments?, href}`; `entity` left out when asked (search `include: none`). */
export function presentAsset(
  a: Asset,
  opts: { attachments?: Record<string, unknown>[]; entity?: boolean } = {},
): Record<string, unknown> {
  return {
    metadata: assetMetadata(a),
    ...(opts.entity === false ? {} : { entity: a.entity }),
    ...(opts.attachments ? { attachments: opts.attachments } : {}),
    href: assetHref(a),
  };
}

/** An attachment: `url1` to upload while incomplete, `url` to download once complete. */
export function presentAttachment(asset: Asset, att: Attachment, baseUrl: string): Record<string, unknown> {
  const path = `/v2/assets/${asset.asset_id}/attachments/${att.attachment_id}`;
  const q = containerQueryString(asset.container);
  return {
    attachment_id: att.attachment_id,
    asset_type: att.asset_type,
    name: att.name,
    description: att.description,
    mime: att.mime,
    is_partitioned: att.is_partitioned,
    data_partitions: att.data_partitions,
    user_data: att.user_data,
    size: att.size,
    transfer_complete: att.transfer_complete,
    created_at: att.created_at,
    create_time: att.created_at,
    creator_id: att.creator_id,
    object_key: `${asset.asset_type}/${asset.asset_id}/${att.attachment_id}`,
    ...(att.transfer_complete
      ? { url: `${baseUrl}${path}/content?${q}` }
      : { url1: `${baseUrl}${path}/content?${q}` }),
    href: `${path}?${q}`,
  };
}
