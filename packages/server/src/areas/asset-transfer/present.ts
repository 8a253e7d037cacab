import { fromJson } from '../../store/db.ts';
import { CONTAINER_PARAM, type ContainerKind } from '../containers/access.ts';
import type { TransferRow } from './tables.ts';

const BASE = { export: '/v2/asset_exports', import: '/v2/asset_imports' } as const;

/** An export or import as the API shows it (the seed's `{entity, metadata}`). */
export function presentTransfer(row: TransferRow) {
  const kind = row.kind as 'export' | 'import';
  const request = fromJson<Record<string, unknown>>(row.request, {});
  const progress = fromJson<Record<string, unknown>>(row.progress, {});
  return {
    entity: {
      ...(kind === 'export' ? { assets: request.assets } : {}),
      ...(request.module_keys ? { module_keys: request.module_keys } : {}),
      format: row.format,
      skip_notification: true,
      status: {
        state: row.state,
        ...(row.failure ? { failure: { message: row.failure } } : {}),
        progress,
      },
    },
    metadata: {
      id: row.id,
      ...(row.name ? { name: row.name } : {}),
      ...(row.description ? { description: row.description } : {}),
      url: `${BASE[kind]}/${row.id}`,
      [CONTAINER_PARAM[row.container_kind as ContainerKind]]: row.container_id,
      creator_id: row.creator_id,
      created_at: row.created_at,
      updated_at: row.updated_at,
    },
  };
}
