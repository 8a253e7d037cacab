import type { Principal } from '../../platform/auth/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { badRequest, conflict } from '../../platform/errors.ts';
import type { Asset } from '../assets/model.ts';
import type { AssetExecutor } from '../assets/repository.ts';
import { assetStoreOf } from '../assets/store.ts';
import { requireContainerRole, type ContainerRef } from '../containers/access.ts';
import { ENVIRONMENT_TYPE, environmentOfAsset } from '../environments/catalog.ts';
import {
  allAssetsOfType,
  customAsset,
  deleteUnlessUsed,
  inRuntimeLock,
} from '../environments/custom-assets.ts';
import { builtinReadOnly, runtimeNotFound } from '../environments/errors.ts';
import { applyPointerMap, checkName } from '../environments/pointer-patch.ts';
import { runtimeMetadata } from '../environments/runtime-record.ts';
import { PACKAGE_TYPE, packageOfAsset, presentPackage } from '../package-extensions/catalog.ts';
import {
  builtinSoftwareSpecifications,
  effectiveConfiguration,
  softwareOfAsset,
  SOFTWARE_TYPE,
  type SoftwareDetails,
  type SoftwareSpecification,
} from './catalog.ts';

const WHAT = 'Software specification';
const PKG_POINTER = `/entity/${SOFTWARE_TYPE}/package_extensions`;

export interface SoftwareCreateBody {
  name: string;
  description?: string;
  base_software_specification: { guid: string };
  package_extensions?: { guid: string }[];
}

/**
 * Software specifications: the built-in (base) runtimes, read by anyone signed in, and derived
 * ones of a project or space (assets of type software_specification: a base plus package
 * extensions of the same project or space), read by its viewers and written by its editors.
 */
export class SoftwareSpecificationService {
  constructor(private readonly ctx: AppContext) {}

  private readonly assets = () => assetStoreOf(this.ctx).assets;

  /** The seed's shape; a derived one shows its base's configuration and its package extensions. */
  async present(s: SoftwareSpecification): Promise<Record<string, unknown>> {
    const packages = [];
    for (const ref of s.package_extensions) {
      const asset = s.container && (await customAsset(this.ctx, s.container, PACKAGE_TYPE, ref.guid));
      packages.push(asset ? presentPackage(packageOfAsset(asset)) : ref);
    }
    const configuration = effectiveConfiguration(s);
    return {
      metadata: runtimeMetadata(SOFTWARE_TYPE, 'software_specifications', s),
      entity: {
        [SOFTWARE_TYPE]: {
          type: s.type,
          display_name: s.display_name,
          built_in: s.built_in,
          ...(s.base_software_specification
            ? { base_software_specification: s.base_software_specification }
            : {}),
          package_extensions: packages,
          ...(configuration ? { software_configuration: configuration } : {}),
        },
      },
    };
  }

  async list(
    principal: Principal,
    scope: ContainerRef | undefined,
    filter: { name?: string; include_packages?: string },
  ) {
    if (scope) await requireContainerRole(this.ctx, principal, scope, 'viewer');
    const wanted = (filter.include_packages ?? '')
      .split(',')
      .map((p) => p.trim().toLowerCase())
      .filter(Boolean);
    const custom = scope
      ? (await allAssetsOfType(this.ctx, scope, SOFTWARE_TYPE, filter.name)).map(softwareOfAsset)
      : [];
    const all = [
      ...builtinSoftwareSpecifications().filter((s) => filter.name === undefined || s.name === filter.name),
      ...custom,
    ];
    const matching = all.filter((s) => {
      const have = new Set(
        (effectiveConfiguration(s)?.included_packages ?? []).map((p) => p.name.toLowerCase()),
      );
      return wanted.every((p) => have.has(p));
    });
    const resources = [];
    for (const s of matching) resources.push(await this.present(s));
    return { total_results: resources.length, resources };
  }

  async find(
    principal: Principal,
    scope: ContainerRef | undefined,
    id: string,
  ): Promise<SoftwareSpecification> {
    if (scope) await requireContainerRole(this.ctx, principal, scope, 'viewer');
    const builtin = builtinSoftwareSpecifications().find((s) => s.id === id);
    if (builtin) return builtin;
    const asset = scope && (await customAsset(this.ctx, scope, SOFTWARE_TYPE, id));
    if (!asset) throw runtimeNotFound(WHAT, id);
    return softwareOfAsset(asset);
  }

  async get(principal: Principal, scope: ContainerRef | undefined, id: string) {
    return this.present(await this.find(principal, scope, id));
  }

  /** Package extension references of a derived specification: of its scope, checked, no repeats. */
  private async checkPackages(
    scope: ContainerRef,
    refs: unknown,
    field: string,
    trx: AssetExecutor,
  ): Promise<{ guid: string }[]> {
    if (!Array.isArray(refs)) {
      throw badRequest(`The field ${field} must be a list of {guid} references.`, {
        code: 'invalid_type',
        target: { type: 'field', name: field },
      });
    }
    const out: { guid: string }[] = [];
    for (const ref of refs as unknown[]) {
      const guid = (ref as { guid?: unknown } | null)?.guid;
      if (typeof guid !== 'string' || !guid) {
        throw badRequest(`Each item of ${field} must be a {guid} reference.`, {
          code: 'invalid_type',
          target: { type: 'field', name: field },
        });
      }
      const asset = await customAsset(this.ctx, scope, PACKAGE_TYPE, guid, trx);
      if (!asset) {
        throw badRequest(`Package extension ${guid.slice(0, 100)} does not exist in this ${scope.kind}.`, {
          code: 'invalid_reference',
          target: { type: 'field', name: field },
        });
      }
      if (!packageOfAsset(asset).upload_complete) {
        throw badRequest(
          `Package extension ${guid} is not usable yet: upload its file and call upload_complete.`,
          {
            code: 'upload_incomplete',
            target: { type: 'field', name: field },
          },
        );
      }
      if (out.some((r) => r.guid === guid)) {
        throw badRequest(`Package extension ${guid} is listed twice.`, {
          code: 'invalid_request',
          target: { type: 'field', name: field },
        });
      }
      out.push({ guid });
    }
    return out;
  }

  private refuseGlobalName(name: string) {
    // Names of the global catalog stay unique, so a runtime asked for by name is never ambiguous.
    if (builtinSoftwareSpecifications().some((s) => s.name === name)) {
      throw conflict(`A global software specification is named ${name}: choose another name.`, {
        code: 'conflict',
      });
    }
  }

  async create(principal: Principal, scope: ContainerRef, body: SoftwareCreateBody) {
    await requireContainerRole(this.ctx, principal, scope, 'editor');
    checkName(body.name, 'name');
    const name = body.name.trim();
    this.refuseGlobalName(name);
    const base = builtinSoftwareSpecifications().find((s) => s.id === body.base_software_specification.guid);
    if (!base) {
      throw badRequest(
        `base_software_specification ${body.base_software_specification.guid.slice(0, 100)} is not a base software specification.`,
        { code: 'invalid_reference', target: { type: 'field', name: 'base_software_specification' } },
      );
    }
    // The package extensions are checked and referenced in one locked transaction (inRuntimeLock).
    const asset = await inRuntimeLock(this.ctx, scope, async (trx) => {
      const details: SoftwareDetails = {
        type: 'derived',
        display_name: name,
        base_software_specification: { guid: base.id },
        package_extensions: await this.checkPackages(
          scope,
          body.package_extensions ?? [],
          'package_extensions',
          trx,
        ),
      };
      return this.assets().createAsset(
        {
          container: scope,
          asset_type: SOFTWARE_TYPE,
          name,
          description: body.description ?? '',
          creator_id: principal.iamId,
          entity: { [SOFTWARE_TYPE]: details },
        },
        trx,
      );
    });
    return this.present(softwareOfAsset(asset));
  }

  private async forChange(principal: Principal, scope: ContainerRef, id: string) {
    await requireContainerRole(this.ctx, principal, scope, 'editor');
    if (builtinSoftwareSpecifications().some((s) => s.id === id)) throw builtinReadOnly(WHAT, id);
    const asset = await customAsset(this.ctx, scope, SOFTWARE_TYPE, id);
    if (!asset) throw runtimeNotFound(WHAT, id);
    return asset;
  }

  /**
   * Saves new details of a derived specification, computed from its current state inside the
   * transaction (so two concurrent additions of package extensions both land).
   */
  private async save(
    principal: Principal,
    scope: ContainerRef,
    id: string,
    change: (
      current: Asset,
      trx: AssetExecutor,
    ) => Promise<{ name?: string; description?: string; details: SoftwareDetails }>,
  ) {
    const asset = await inRuntimeLock(this.ctx, scope, async (trx) => {
      const current = await this.assets().getAsset(scope, id, trx);
      if (!current) return undefined;
      const next = await change(current, trx);
      return this.assets().updateAsset(
        scope,
        id,
        {
          updater_id: principal.iamId,
          name: next.name,
          description: next.description,
          entity: { ...current.entity, [SOFTWARE_TYPE]: next.details },
        },
        trx,
      );
    });
    if (!asset) throw runtimeNotFound(WHAT, id);
    return this.present(softwareOfAsset(asset));
  }

  async update(principal: Principal, scope: ContainerRef, id: string, changes: Record<string, unknown>) {
    await this.forChange(principal, scope, id);
    // Applied to the state read inside the transaction, so a concurrent change is not undone.
    return this.save(principal, scope, id, async (asset, trx) => {
      const current = softwareOfAsset(asset);
      const next = applyPointerMap(
        { metadata: { name: asset.name, description: asset.description }, entity: asset.entity },
        changes,
        (p) =>
          p === '/metadata/name' ||
          p === '/metadata/description' ||
          p === `/entity/${SOFTWARE_TYPE}/display_name` ||
          p === PKG_POINTER,
      );
      if (next.metadata.name !== asset.name) this.refuseGlobalName(next.metadata.name);
      const d = next.entity[SOFTWARE_TYPE] as Partial<SoftwareDetails>;
      checkName(d.display_name ?? current.display_name, `/entity/${SOFTWARE_TYPE}/display_name`);
      return {
        name: next.metadata.name,
        description: next.metadata.description,
        details: {
          type: 'derived',
          display_name: (d.display_name ?? current.display_name).trim(),
          ...(current.base_software_specification
            ? { base_software_specification: current.base_software_specification }
            : {}),
          package_extensions:
            PKG_POINTER in changes
              ? await this.checkPackages(scope, d.package_extensions, PKG_POINTER, trx)
              : current.package_extensions,
        },
      };
    });
  }

  async delete(principal: Principal, scope: ContainerRef, id: string) {
    await this.forChange(principal, scope, id);
    await deleteUnlessUsed(this.ctx, scope, WHAT, id, {
      type: ENVIRONMENT_TYPE,
      label: 'environment',
      uses: (a) => environmentOfAsset(a).software_specification?.guid === id,
    });
  }

  /** Appends a checked package extension of the same scope (409 when already there). */
  async addPackage(principal: Principal, scope: ContainerRef, id: string, packageId: string) {
    await this.forChange(principal, scope, id);
    return this.save(principal, scope, id, async (asset, trx) => {
      const current = softwareOfAsset(asset);
      const pkg = await customAsset(this.ctx, scope, PACKAGE_TYPE, packageId, trx);
      if (!pkg) throw runtimeNotFound('Package extension', packageId);
      if (!packageOfAsset(pkg).upload_complete) {
        throw badRequest(
          `Package extension ${packageId} is not usable yet: upload its file and call upload_complete.`,
          { code: 'upload_incomplete' },
        );
      }
      if (current.package_extensions.some((r) => r.guid === packageId)) {
        throw conflict(`Software specification ${id} already references package extension ${packageId}.`, {
          code: 'conflict',
        });
      }
      return {
        details: {
          ...detailsOf(current),
          package_extensions: [...current.package_extensions, { guid: packageId }],
        },
      };
    });
  }

  async removePackage(principal: Principal, scope: ContainerRef, id: string, packageId: string) {
    await this.forChange(principal, scope, id);
    await this.save(principal, scope, id, async (asset) => {
      const current = softwareOfAsset(asset);
      if (!current.package_extensions.some((r) => r.guid === packageId)) {
        throw runtimeNotFound(`Package extension ${packageId.slice(0, 100)} of software specification`, id);
      }
      return {
        details: {
          ...detailsOf(current),
          package_extensions: current.package_extensions.filter((r) => r.guid !== packageId),
        },
      };
    });
  }
}

const detailsOf = (s: SoftwareSpecification): SoftwareDetails => ({
  type: s.type,
  display_name: s.display_name,
  ...(s.base_software_specification ? { base_software_specification: s.base_software_specification } : {}),
  package_extensions: s.package_extensions,
});
