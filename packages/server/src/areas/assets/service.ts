import crypto from 'node:crypto';
import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import type { Principal } from '../../platform/auth/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { badRequest, conflict, notFound } from '../../platform/errors.ts';
import { decodeBookmark, encodeBookmark, isStringPair } from '../containers/bookmark.ts';
import { requireContainerRole, type ContainerRef } from '../containers/access.ts';
import type { AttachmentRepository } from './attachment-repository.ts';
import type { Asset, AssetChanges, AssetKey } from './model.ts';
import { presentAsset, presentAttachment } from './present.ts';
import { parseQuery } from './query.ts';
import { StaleAssetError, type AssetRepository } from './repository.ts';

export const assetNotFound = (id: string) =>
  notFound(`Asset ${id} does not exist in this container.`, { parameters: [id] });

interface CreateBody {
  metadata: {
    name: string;
    description?: string;
    asset_type: string;
    tags?: string[];
    origin_country?: string;
    asset_category?: string;
    rov?: { mode?: number };
  };
  entity?: Record<string, unknown>;
}

export interface SearchBody {
  query: string;
  limit?: number;
  bookmark?: string;
  include?: 'entity' | 'none';
}

const DEFAULT_SEARCH_LIMIT = 25;

/** A name as the store keeps it: trimmed, not empty. */
function cleanName(value: unknown, field: string): string {
  if (typeof value !== 'string' || !value.trim() || value.length > 255) {
    throw badRequest(`Invalid request body field '${field}': must be 1 to 255 characters, not only spaces.`, {
      parameters: [field],
    });
  }
  return value.trim();
}

function cleanTags(value: unknown, field: string): string[] {
  if (
    !Array.isArray(value) ||
    value.length > 200 ||
    !value.every((t) => typeof t === 'string' && t.trim() && t.length <= 255)
  ) {
    throw badRequest(`Invalid request body field '${field}': must be up to 200 non-empty strings.`, {
      parameters: [field],
    });
  }
  return [...new Set((value as string[]).map((t) => t.trim()))];
}

/** The part of an asset a PATCH may address. */
interface Patchable {
  metadata: {
    name: unknown;
    description: unknown;
    tags: unknown;
    origin_country?: unknown;
    rov: { mode: unknown };
  };
  entity: unknown;
}

/** Asset operations of the HTTP API: role checks, then the repository. */
export class AssetService {
  constructor(
    private readonly ctx: AppContext,
    readonly repo: AssetRepository,
    private readonly attachments: AttachmentRepository,
  ) {}

  /** The asset, after checking the caller has `needed` in its container; 404 when not there. */
  async requireAsset(
    principal: Principal,
    container: ContainerRef,
    assetId: string,
    needed: 'viewer' | 'editor',
  ) {
    await requireContainerRole(this.ctx, principal, container, needed);
    const asset = await this.repo.getAsset(container, assetId);
    if (!asset) throw assetNotFound(assetId);
    return asset;
  }

  async create(principal: Principal, container: ContainerRef, body: CreateBody) {
    await requireContainerRole(this.ctx, principal, container, 'editor');
    const m = body.metadata;
    const asset = await this.repo.createAsset({
      container,
      asset_type: m.asset_type,
      name: cleanName(m.name, 'metadata.name'),
      description: m.description ?? '',
      tags: m.tags === undefined ? [] : cleanTags(m.tags, 'metadata.tags'),
      entity: body.entity ?? {},
      creator_id: principal.iamId,
      origin_country: m.origin_country,
      asset_category: m.asset_category,
      rov_mode: m.rov?.mode,
    });
    return presentAsset(asset, { attachments: [] });
  }

  async get(principal: Principal, container: ContainerRef, assetId: string, baseUrl: string) {
    const asset = await this.requireAsset(principal, container, assetId, 'viewer');
    await this.repo.touchAsset(container, assetId, principal.iamId);
    const fresh = (await this.repo.getAsset(container, assetId)) ?? asset;
    const atts = await this.attachments.listAttachments(assetId);
    return presentAsset(fresh, { attachments: atts.map((a) => presentAttachment(fresh, a, baseUrl)) });
  }

  /** RFC 6902 on `/metadata/...` and `/entity/...`; a failed `test` is a 409. */
  /**
   * A JSON Patch applies to the version it read; when another writer got there first, it is
   * applied again to the newer version, so concurrent patches (adding tags, say) all land.
   */
  async update(principal: Principal, container: ContainerRef, assetId: string, ops: Operation[]) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.patchOnce(principal, container, assetId, ops);
      } catch (err) {
        if (!(err instanceof StaleAssetError) || attempt >= 50) throw err;
      }
    }
  }

  private async patchOnce(principal: Principal, container: ContainerRef, assetId: string, ops: Operation[]) {
    const asset = await this.requireAsset(principal, container, assetId, 'editor');
    const doc: Patchable = {
      metadata: {
        name: asset.name,
        description: asset.description,
        tags: asset.tags,
        ...(asset.origin_country ? { origin_country: asset.origin_country } : {}),
        rov: { mode: asset.rov.mode },
      },
      entity: asset.entity,
    };
    let next: Patchable;
    try {
      next = jsonpatch.applyPatch(jsonpatch.deepClone(doc), ops, true, false, true).newDocument;
    } catch (err) {
      const name = (err as { name?: string }).name;
      const index = (err as { index?: number }).index;
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      if (name === 'TEST_OPERATION_FAILED') {
        throw conflict(`Patch operation ${index ?? ''} failed its test: the asset has changed.`, {
          parameters: [String(index ?? '')],
        });
      }
      throw badRequest(`Invalid patch operation${index === undefined ? '' : ` ${index}`}: ${reason}`, {
        parameters: index === undefined ? [] : [String(index)],
      });
    }
    const changes: AssetChanges = { updater_id: principal.iamId, ifVersion: asset.version };
    const md = next.metadata;
    if (!md || typeof md !== 'object')
      throw badRequest('The patch removes the metadata.', { parameters: ['metadata'] });
    changes.name = cleanName(md.name, 'metadata.name');
    if (typeof md.description !== 'string' || md.description.length > 4000)
      throw badRequest("Invalid field 'metadata.description': must be a string up to 4000 characters.", {
        parameters: ['metadata.description'],
      });
    changes.description = md.description;
    changes.tags = cleanTags(md.tags, 'metadata.tags');
    if (
      md.origin_country !== undefined &&
      (typeof md.origin_country !== 'string' || md.origin_country.length > 8)
    )
      throw badRequest("Invalid field 'metadata.origin_country': must be a country code.", {
        parameters: ['metadata.origin_country'],
      });
    changes.origin_country = (md.origin_country as string | undefined) ?? null;
    const mode = md.rov?.mode;
    if (!Number.isInteger(mode) || (mode as number) < 0 || (mode as number) > 32)
      throw badRequest("Invalid field 'metadata.rov.mode': must be an integer from 0 to 32.", {
        parameters: ['metadata.rov.mode'],
      });
    changes.rov_mode = mode as number;
    if (!next.entity || typeof next.entity !== 'object' || Array.isArray(next.entity))
      throw badRequest("Invalid field 'entity': must be an object.", { parameters: ['entity'] });
    changes.entity = next.entity as Record<string, unknown>;
    const updated = await this.repo.updateAsset(container, assetId, changes);
    if (!updated) throw assetNotFound(assetId);
    return presentAsset(updated);
  }

  async delete(principal: Principal, container: ContainerRef, assetId: string) {
    await requireContainerRole(this.ctx, principal, container, 'editor');
    const { deleted } = await this.repo.deleteAsset(container, assetId);
    if (!deleted) throw assetNotFound(assetId);
  }

  async listTypes(principal: Principal, container: ContainerRef) {
    await requireContainerRole(this.ctx, principal, container, 'viewer');
    return { resources: await this.repo.listAssetTypes(container) };
  }

  /** `{query, limit, bookmark}` → `{total_rows, results, next?}`, `next` being the next page's request. */
  async search(principal: Principal, container: ContainerRef, typeName: string, body: SearchBody) {
    await requireContainerRole(this.ctx, principal, container, 'viewer');
    const node = parseQuery(body.query);
    const limit = body.limit ?? DEFAULT_SEARCH_LIMIT;
    // a bookmark is good for the same container, type and query only
    const list =
      'search:' +
      crypto
        .createHash('sha256')
        .update(JSON.stringify([container.kind, container.id, typeName, body.query]))
        .digest('base64url')
        .slice(0, 22);
    const after = decodeBookmark<AssetKey>(list, body.bookmark, isStringPair);
    const found = await this.repo.searchAssets({ container, type: typeName, query: node, limit, after });
    const entity = body.include !== 'none';
    return {
      total_rows: found.total_rows,
      results: found.assets.map((a: Asset) => presentAsset(a, { entity })),
      ...(found.next
        ? { next: { query: body.query, limit, bookmark: encodeBookmark(list, found.next) } }
        : {}),
    };
  }
}
