import type { Principal } from '../../platform/auth/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { badRequest, notFound } from '../../platform/errors.ts';
import type { AssetRepository } from '../assets/repository.ts';
import { containerQueryString, requireContainerRole, type ContainerRef } from '../containers/access.ts';
import type { DatasourceType } from '../datasource-types/model.ts';
import { withSource } from './drivers.ts';
import { maskedNames } from './properties.ts';
import type { ConnectionBody, ConnectionService } from './service.ts';

export interface DiscoveryQuery {
  path?: string;
  limit?: number;
  offset?: number;
  fetch?: string;
  detail?: boolean;
  context?: string;
}

const FETCH = ['metadata', 'data', 'interaction', 'connection', 'datasource_type'];
const MAX_LIMIT = 1000;

const assetNotFound = (path: string) =>
  notFound(`The asset at path '${path.slice(0, 300)}' could not be found.`, { code: 'not_found' });

/**
 * Browsing a source by path: `/` lists schemas (databases on MySQL), `/schema` its tables,
 * `/schema/table` the table's columns and, with fetch=data, a page of its rows. Names travel as
 * bound parameters; the one statement that needs them as identifiers quotes them with the
 * driver's own escaping, and only after the catalog confirmed the table exists.
 */
export class DiscoveryService {
  constructor(
    private readonly ctx: AppContext,
    private readonly connections: ConnectionService,
    private readonly assets: AssetRepository,
  ) {}

  async ofConnection(principal: Principal, container: ContainerRef, id: string, q: DiscoveryQuery) {
    const { type, props } = await this.connections.resolveForUse(principal, container, id);
    const self = `/v2/connections/${encodeURIComponent(id)}/assets?${containerQueryString(container)}`;
    return this.browse(type, props, q, self);
  }

  async ofDefinition(body: ConnectionBody, q: DiscoveryQuery) {
    const flags = Array.isArray(body?.flags) ? body.flags : [];
    const { type, props } = await this.connections.checkDefinition(
      body,
      flags.includes('personal_credentials'),
    );
    return this.browse(type, props, q, '/v2/connections/assets?');
  }

  /** A data asset that points at a connection (entity.data_asset.connection_id and connection_path). */
  async ofDataAsset(principal: Principal, container: ContainerRef, dataAssetId: string, q: DiscoveryQuery) {
    await requireContainerRole(this.ctx, principal, container, 'viewer');
    const asset = await this.assets.getAsset(container, dataAssetId);
    if (!asset || asset.asset_type !== 'data_asset')
      throw notFound(`The asset with id ${dataAssetId.slice(0, 100)} could not be found.`, {
        code: 'not_found',
      });
    const ref = (asset.entity.data_asset ?? {}) as Record<string, unknown>;
    if (typeof ref.connection_id !== 'string' || typeof ref.connection_path !== 'string')
      throw badRequest(
        `The data asset ${dataAssetId} does not point at a connection (entity.data_asset.connection_id and connection_path).`,
        { target: { type: 'parameter', name: 'data_asset_id' } },
      );
    const { type, props } = await this.connections.resolveForUse(principal, container, ref.connection_id);
    const self = `/v2/connections/assets/${encodeURIComponent(dataAssetId)}?${containerQueryString(container)}`;
    return this.browse(type, props, { ...q, path: q.path ?? ref.connection_path }, self);
  }

  private async browse(type: DatasourceType, props: Record<string, string>, q: DiscoveryQuery, self: string) {
    const raw = q.path ?? '/';
    if (raw.length > 1000)
      throw badRequest('Invalid path: at most 1000 characters.', {
        target: { type: 'parameter', name: 'path' },
      });
    const parts = raw.split('/').filter((p) => p !== '');
    const path = '/' + parts.join('/');
    const limit = Math.min(q.limit ?? 100, MAX_LIMIT);
    const offset = q.offset ?? 0;
    const fetch = (q.fetch ?? 'metadata').split(',').map((f) => f.trim());
    const unknown = fetch.find((f) => !FETCH.includes(f));
    if (unknown !== undefined)
      throw badRequest(`Invalid fetch '${unknown.slice(0, 50)}': one or more of ${FETCH.join(', ')}.`, {
        target: { type: 'parameter', name: 'fetch' },
      });
    if (q.context !== undefined && !['source', 'target'].includes(q.context))
      throw badRequest("Invalid context: 'source' or 'target'.", {
        target: { type: 'parameter', name: 'context' },
      });
    const link = (o: number) => ({
      href: `${self}${self.endsWith('?') ? '' : '&'}path=${encodeURIComponent(path)}&offset=${o}&limit=${limit}`,
    });
    const paging = (total: number) => ({
      first: link(0),
      ...(offset > 0 ? { prev: link(Math.max(0, offset - limit)) } : {}),
      ...(offset + limit < total ? { next: link(offset + limit) } : {}),
      offset,
      total_count: total,
    });
    if (parts.length > 2) throw assetNotFound(path);
    return withSource(type, props, async (src) => {
      if (parts.length === 0) {
        const { names, total } = await src.schemas(limit, offset);
        return {
          path,
          asset_types: [{ type: 'schema', dataset: false, dataset_container: true }],
          assets: names.map((n) => ({ id: n, type: 'schema', name: n, path: `/${n}`, has_children: true })),
          ...paging(total),
        };
      }
      if (parts.length === 1) {
        const found = await src.tables(parts[0], limit, offset);
        if (!found) throw assetNotFound(path);
        return {
          path,
          asset_types: [{ type: 'table', dataset: true, dataset_container: false }],
          assets: found.names.map((n) => ({ id: n, type: 'table', name: n, path: `${path}/${n}` })),
          ...paging(found.total),
        };
      }
      const [schema, table] = parts;
      const columns = await src.columns(schema, table);
      if (!columns) throw assetNotFound(path);
      const out: Record<string, unknown> = {
        path,
        asset_types: [{ type: 'table', dataset: true, dataset_container: false }],
        fields: columns.map((c) => ({
          name: c.name,
          columnProperties: {},
          type: { type: c.type, length: c.length, scale: c.scale, nullable: c.nullable, signed: c.signed },
        })),
      };
      if (fetch.includes('data')) {
        out.data = await src.rows(schema, table, limit, offset);
        Object.assign(
          out,
          paging(
            offset + (out.data as unknown[]).length + ((out.data as unknown[]).length === limit ? 1 : 0),
          ),
        );
        delete out.total_count;
      }
      if (q.detail) out.details = { row_count: await src.approxCount(schema, table) };
      if (fetch.includes('interaction')) out.interaction_properties = type.interaction_properties;
      if (fetch.includes('connection')) {
        const masked = maskedNames(type);
        out.connection_properties = Object.fromEntries(Object.entries(props).filter(([k]) => !masked.has(k)));
      }
      if (fetch.includes('datasource_type'))
        out.datasource_type = { id: type.id, name: type.name, label: type.label };
      return out;
    });
  }
}
