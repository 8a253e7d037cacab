import type { Principal } from '../../platform/auth/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { badRequest, conflict } from '../../platform/errors.ts';
import { assetStoreOf } from '../assets/store.ts';
import { requireContainerRole, type ContainerRef } from '../containers/access.ts';
import { ENVIRONMENT_TYPE, environmentOfAsset } from '../environments/catalog.ts';
import { allAssetsOfType, customAsset, deleteUnlessUsed } from '../environments/custom-assets.ts';
import { builtinReadOnly, runtimeNotFound } from '../environments/errors.ts';
import { applyPointerMap, checkName } from '../environments/pointer-patch.ts';
import { runtimeMetadata } from '../environments/runtime-record.ts';
import { checkAgainstSchema } from '../environments/schema-check.ts';
import {
  builtinHardwareSpecifications,
  hardwareOfAsset,
  HARDWARE_TYPE,
  type HardwareDetails,
  type HardwareSpecification,
} from './catalog.ts';

const WHAT = 'Hardware specification';
const KINDS = ['nodes', 'spark', 'datastage'] as const;

export interface HardwareCreateBody extends HardwareDetails {
  name: string;
  description?: string;
}

export function presentHardware(h: HardwareSpecification): Record<string, unknown> {
  const details: Record<string, unknown> = {};
  for (const k of KINDS) if (h[k] !== undefined) details[k] = h[k];
  return {
    metadata: runtimeMetadata(HARDWARE_TYPE, 'hardware_specifications', h),
    entity: { hardware_specification: details },
  };
}

/** Exactly one of nodes, spark and datastage, each of the contract's shape. */
function checkDetails(ctx: AppContext, d: Record<string, unknown>, field: string): HardwareDetails {
  const given = KINDS.filter((k) => d[k] !== undefined);
  if (given.length !== 1) {
    throw badRequest(`Give exactly one of nodes, spark and datastage (got ${given.length}).`, {
      code: 'invalid_request',
      target: { type: 'field', name: field },
    });
  }
  checkAgainstSchema(ctx, 'HardwareSpecificationDetails', d, field);
  return { [given[0]!]: d[given[0]!] };
}

/**
 * Hardware specifications: the built-in sizes, read by anyone signed in, and custom ones of a
 * project or space (assets of type hardware_specification), read by its viewers and written by
 * its editors. Custom ones are assets so that they travel with their project in exports.
 */
export class HardwareSpecificationService {
  constructor(private readonly ctx: AppContext) {}

  private readonly assets = () => assetStoreOf(this.ctx).assets;

  async list(principal: Principal, scope: ContainerRef | undefined, name: string | undefined) {
    if (scope) await requireContainerRole(this.ctx, principal, scope, 'viewer');
    const builtins = builtinHardwareSpecifications().filter((h) => name === undefined || h.name === name);
    const custom = scope
      ? (await allAssetsOfType(this.ctx, scope, HARDWARE_TYPE, name)).map(hardwareOfAsset)
      : [];
    const resources = [...builtins, ...custom].map(presentHardware);
    return { total_results: resources.length, resources };
  }

  /** The specification, readable by the caller; built-in ones need no scope. */
  async find(
    principal: Principal,
    scope: ContainerRef | undefined,
    id: string,
  ): Promise<HardwareSpecification> {
    if (scope) await requireContainerRole(this.ctx, principal, scope, 'viewer');
    const builtin = builtinHardwareSpecifications().find((h) => h.id === id);
    if (builtin) return builtin;
    const asset = scope && (await customAsset(this.ctx, scope, HARDWARE_TYPE, id));
    if (!asset) throw runtimeNotFound(WHAT, id);
    return hardwareOfAsset(asset);
  }

  async get(principal: Principal, scope: ContainerRef | undefined, id: string) {
    return presentHardware(await this.find(principal, scope, id));
  }

  async create(principal: Principal, scope: ContainerRef, body: HardwareCreateBody) {
    await requireContainerRole(this.ctx, principal, scope, 'editor');
    checkName(body.name, 'name');
    const name = body.name.trim();
    // Names of the global catalog stay unique, so a size asked for by name is never ambiguous.
    if (builtinHardwareSpecifications().some((h) => h.name === name)) {
      throw conflict(`A global hardware specification is named ${name}: choose another name.`, {
        code: 'conflict',
      });
    }
    const details = checkDetails(this.ctx, body as unknown as Record<string, unknown>, 'body');
    const asset = await this.assets().createAsset({
      container: scope,
      asset_type: HARDWARE_TYPE,
      name,
      description: body.description ?? '',
      creator_id: principal.iamId,
      entity: { [HARDWARE_TYPE]: details },
    });
    return presentHardware(hardwareOfAsset(asset));
  }

  /** The custom specification for a change, or the documented refusals. */
  private async forChange(principal: Principal, scope: ContainerRef, id: string) {
    await requireContainerRole(this.ctx, principal, scope, 'editor');
    if (builtinHardwareSpecifications().some((h) => h.id === id)) throw builtinReadOnly(WHAT, id);
    const asset = await customAsset(this.ctx, scope, HARDWARE_TYPE, id);
    if (!asset) throw runtimeNotFound(WHAT, id);
    return asset;
  }

  async update(principal: Principal, scope: ContainerRef, id: string, changes: Record<string, unknown>) {
    const asset = await this.forChange(principal, scope, id);
    const next = applyPointerMap(
      { metadata: { name: asset.name, description: asset.description }, entity: asset.entity },
      changes,
      (p) =>
        p === '/metadata/name' || p === '/metadata/description' || p.startsWith(`/entity/${HARDWARE_TYPE}/`),
    );
    const details = checkDetails(
      this.ctx,
      (next.entity[HARDWARE_TYPE] ?? {}) as Record<string, unknown>,
      `/entity/${HARDWARE_TYPE}`,
    );
    if (
      next.metadata.name !== asset.name &&
      builtinHardwareSpecifications().some((h) => h.name === next.metadata.name)
    ) {
      throw conflict(`A global hardware specification is named ${next.metadata.name}: choose another name.`);
    }
    const updated = await this.assets().updateAsset(scope, id, {
      updater_id: principal.iamId,
      name: next.metadata.name,
      description: next.metadata.description,
      entity: { ...next.entity, [HARDWARE_TYPE]: details },
    });
    if (!updated) throw runtimeNotFound(WHAT, id);
    return presentHardware(hardwareOfAsset(updated));
  }

  async delete(principal: Principal, scope: ContainerRef, id: string) {
    await this.forChange(principal, scope, id);
    await deleteUnlessUsed(this.ctx, scope, WHAT, id, {
      type: ENVIRONMENT_TYPE,
      label: 'environment',
      uses: (a) => environmentOfAsset(a).hardware_specification?.guid === id,
    });
  }
}
