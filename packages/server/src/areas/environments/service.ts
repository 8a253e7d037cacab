import type { Principal } from '../../platform/auth/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { badRequest } from '../../platform/errors.ts';
import type { AssetExecutor } from '../assets/repository.ts';
import { assetStoreOf } from '../assets/store.ts';
import { requireContainerRole, type ContainerRef } from '../containers/access.ts';
import { findHardwareSpecification, type HardwareSpecification } from '../hardware-specifications/catalog.ts';
import { presentHardware } from '../hardware-specifications/service.ts';
import { loadPackage, PACKAGE_TYPE } from '../package-extensions/catalog.ts';
import {
  effectiveConfiguration,
  findSoftwareSpecification,
  type SoftwareSpecification,
} from '../software-specifications/catalog.ts';
import type { SoftwareSpecificationService } from '../software-specifications/service.ts';
import {
  builtinEnvironments,
  ENVIRONMENT_TYPE,
  environmentOfAsset,
  type Environment,
  type EnvironmentDetails,
} from './catalog.ts';
import { allAssetsOfType, customAsset, inRuntimeLock } from './custom-assets.ts';
import { builtinReadOnly, runtimeNotFound } from './errors.ts';
import { applyPointerMap, checkName } from './pointer-patch.ts';
import { runtimeMetadata } from './runtime-record.ts';
import { checkAgainstSchema } from './schema-check.ts';

const WHAT = 'Environment';
const E = `/entity/${ENVIRONMENT_TYPE}`;
/** Fields of an environment a PATCH may replace (whole, or inside them). */
const PATCHABLE = [
  'display_name',
  'hardware_specification',
  'software_specification',
  'tools_specification',
  'environment_variables',
  'config_variables',
  'authorization_variables',
  'compute_specification',
  'location',
  'runtime_definition',
  'runtime_idle_time',
];

export interface EnvironmentCreateBody extends Omit<EnvironmentDetails, 'sub_type'> {
  type: string;
  name: string;
  description?: string;
}

export interface EnvironmentFilter {
  types?: string;
  exclude_types?: string;
  exclude_languages?: string;
  spark_versions?: string;
}

const list = (csv: string | undefined) =>
  (csv ?? '')
    .split(',')
    .map((v) => v.trim().toLowerCase())
    .filter(Boolean);

interface Resolved {
  env: Environment;
  hardware?: HardwareSpecification;
  software?: SoftwareSpecification;
}

/**
 * Environments: the defaults every project and space has (built in, read-only) and custom ones of
 * a project or space (assets of type environment) that refer to a hardware and a software
 * specification. Viewers read, editors write.
 */
export class EnvironmentService {
  constructor(
    private readonly ctx: AppContext,
    private readonly software: SoftwareSpecificationService,
  ) {}

  private async resolve(env: Environment): Promise<Resolved> {
    // Entities may also have been written through the generic asset API: read them defensively.
    const scope = env.container;
    const hwGuid = env.hardware_specification?.guid;
    const swGuid = env.software_specification?.guid;
    const hardware =
      typeof hwGuid === 'string' ? await findHardwareSpecification(this.ctx, scope, hwGuid) : undefined;
    const software =
      typeof swGuid === 'string' ? await findSoftwareSpecification(this.ctx, scope, swGuid) : undefined;
    return { env, hardware, software };
  }

  /** The seed's shape: the specifications expanded in place, `spec_type: referenced`. */
  private async present(r: Resolved, condaYml?: string): Promise<Record<string, unknown>> {
    const { env } = r;
    const optional = (
      [
        'tools_specification',
        'environment_variables',
        'config_variables',
        'authorization_variables',
        'compute_specification',
        'location',
        'runtime_definition',
        'runtime_idle_time',
      ] as const
    ).filter((k) => env[k] !== undefined);
    return {
      metadata: runtimeMetadata(ENVIRONMENT_TYPE, 'environments', env),
      entity: {
        [ENVIRONMENT_TYPE]: {
          sub_type: env.sub_type,
          display_name: env.display_name,
          hardware_specification: r.hardware ? presentHardware(r.hardware) : env.hardware_specification,
          ...(env.software_specification
            ? {
                software_specification: r.software
                  ? await this.software.present(r.software)
                  : env.software_specification,
              }
            : {}),
          ...Object.fromEntries(optional.map((k) => [k, env[k]])),
          ...(condaYml !== undefined ? { conda_yml: condaYml } : {}),
          spec_type: 'referenced',
        },
      },
    };
  }

  async list(principal: Principal, scope: ContainerRef | undefined, filter: EnvironmentFilter) {
    if (scope) await requireContainerRole(this.ctx, principal, scope, 'viewer');
    const custom = scope
      ? (await allAssetsOfType(this.ctx, scope, ENVIRONMENT_TYPE)).map(environmentOfAsset)
      : [];
    const types = list(filter.types);
    const excludedTypes = list(filter.exclude_types);
    const excludedLanguages = list(filter.exclude_languages);
    const sparkVersions = list(filter.spark_versions);
    const resources = [];
    for (const env of [...builtinEnvironments(), ...custom]) {
      const type = String(env.sub_type ?? '').toLowerCase();
      if (excludedTypes.includes(type)) continue;
      if (types.length && !types.includes(type)) continue;
      const r = await this.resolve(env);
      const configuration = r.software && effectiveConfiguration(r.software);
      if (
        excludedLanguages.length &&
        languagesOf(env, configuration).some((l) => excludedLanguages.includes(l))
      )
        continue;
      const platform = configuration?.platform;
      if (
        sparkVersions.length &&
        platform?.name.toLowerCase() === 'spark' &&
        !sparkVersions.includes(String(platform.version))
      )
        continue;
      resources.push(await this.present(r));
    }
    return { total_results: resources.length, resources };
  }

  private async find(
    principal: Principal,
    scope: ContainerRef | undefined,
    id: string,
  ): Promise<Environment> {
    if (scope) await requireContainerRole(this.ctx, principal, scope, 'viewer');
    const builtin = builtinEnvironments().find((e) => e.id === id);
    if (builtin) return builtin;
    const asset = scope && (await customAsset(this.ctx, scope, ENVIRONMENT_TYPE, id));
    if (!asset) throw runtimeNotFound(WHAT, id);
    return environmentOfAsset(asset);
  }

  async get(principal: Principal, scope: ContainerRef | undefined, id: string, includeCondaYml: boolean) {
    const r = await this.resolve(await this.find(principal, scope, id));
    return this.present(r, includeCondaYml ? await this.condaYml(r) : undefined);
  }

  /** The conda YAML files of the environment's custom package extensions, one after another. */
  private async condaYml(r: Resolved): Promise<string> {
    const scope = r.software?.container;
    if (!scope) return '';
    const { attachments, blobs } = assetStoreOf(this.ctx);
    const parts: string[] = [];
    for (const ref of r.software!.package_extensions) {
      const asset = await customAsset(this.ctx, scope, PACKAGE_TYPE, ref.guid);
      const p = asset && (await loadPackage(this.ctx, asset));
      if (!p || p.type !== 'conda_yml' || !p.upload_complete || typeof p.attachment_id !== 'string') continue;
      const att = await attachments.getAttachment(p.id, p.attachment_id);
      if (!att?.blob_id) continue;
      const { stream } = await blobs.open(att.blob_id);
      const chunks: Buffer[] = [];
      for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
      parts.push(Buffer.concat(chunks).toString('utf8'));
    }
    return parts.join('\n');
  }

  /** Checks an environment's shape and that its specifications exist where it lives. */
  private async check(
    scope: ContainerRef,
    d: EnvironmentDetails,
    prefix: string,
    trx: AssetExecutor,
  ): Promise<void> {
    checkAgainstSchema(this.ctx, 'EnvironmentDetails', d, prefix || 'body');
    checkName(d.display_name, `${prefix}/display_name`.replace(/^\//, ''));
    const type = d.sub_type;
    const needsSoftware = type !== 'datastage';
    const field = (name: string) => (prefix ? `${prefix}/${name}` : name);
    if (needsSoftware && !d.software_specification) {
      throw badRequest(`A ${type} environment needs a software_specification.`, {
        code: 'missing_field',
        target: { type: 'field', name: field('software_specification') },
      });
    }
    if (type === 'notebook' && !d.tools_specification) {
      throw badRequest('A notebook environment needs a tools_specification.', {
        code: 'missing_field',
        target: { type: 'field', name: field('tools_specification') },
      });
    }
    for (const [key, find] of [
      ['hardware_specification', findHardwareSpecification],
      ['software_specification', findSoftwareSpecification],
    ] as const) {
      const ref = d[key] as { guid?: unknown } | undefined;
      if (!ref) continue;
      if (typeof ref.guid !== 'string' || !ref.guid) {
        throw badRequest(`The field ${field(key)} must be a {guid} reference.`, {
          code: 'invalid_type',
          target: { type: 'field', name: field(key) },
        });
      }
      if (!(await find(this.ctx, scope, ref.guid, trx))) {
        throw badRequest(
          `The ${key.replace('_', ' ')} ${ref.guid.slice(0, 100)} does not exist in this ${scope.kind}.`,
          {
            code: 'invalid_reference',
            target: { type: 'field', name: field(key) },
          },
        );
      }
    }
  }

  async create(principal: Principal, scope: ContainerRef, body: EnvironmentCreateBody) {
    await requireContainerRole(this.ctx, principal, scope, 'editor');
    checkName(body.name, 'name');
    const { type, name, description, ...rest } = body;
    const details: EnvironmentDetails = { ...rest, sub_type: type };
    // The specifications are checked and referenced in one locked transaction (inRuntimeLock).
    const asset = await inRuntimeLock(this.ctx, scope, async (trx) => {
      await this.check(scope, details, '', trx);
      return assetStoreOf(this.ctx).assets.createAsset(
        {
          container: scope,
          asset_type: ENVIRONMENT_TYPE,
          name: name.trim(),
          description: description ?? '',
          creator_id: principal.iamId,
          entity: { [ENVIRONMENT_TYPE]: details },
        },
        trx,
      );
    });
    return this.present(await this.resolve(environmentOfAsset(asset)));
  }

  private async forChange(principal: Principal, scope: ContainerRef, id: string) {
    await requireContainerRole(this.ctx, principal, scope, 'editor');
    if (builtinEnvironments().some((e) => e.id === id)) throw builtinReadOnly(WHAT, id);
    const asset = await customAsset(this.ctx, scope, ENVIRONMENT_TYPE, id);
    if (!asset) throw runtimeNotFound(WHAT, id);
    return asset;
  }

  async update(principal: Principal, scope: ContainerRef, id: string, changes: Record<string, unknown>) {
    await this.forChange(principal, scope, id);
    // Applied to the state read inside the transaction, so a concurrent change is not undone.
    const updated = await inRuntimeLock(this.ctx, scope, async (trx) => {
      const { assets } = assetStoreOf(this.ctx);
      const asset = await customAsset(this.ctx, scope, ENVIRONMENT_TYPE, id, trx);
      if (!asset) return undefined;
      const next = applyPointerMap(
        { metadata: { name: asset.name, description: asset.description }, entity: asset.entity },
        changes,
        (p) =>
          p === '/metadata/name' ||
          p === '/metadata/description' ||
          PATCHABLE.some((f) => p === `${E}/${f}` || p.startsWith(`${E}/${f}/`)),
      );
      await this.check(scope, next.entity[ENVIRONMENT_TYPE] as EnvironmentDetails, E, trx);
      const changed = {
        updater_id: principal.iamId,
        name: next.metadata.name,
        description: next.metadata.description,
        entity: next.entity,
      };
      return assets.updateAsset(scope, id, changed, trx);
    });
    if (!updated) throw runtimeNotFound(WHAT, id);
    return this.present(await this.resolve(environmentOfAsset(updated)));
  }

  async delete(principal: Principal, scope: ContainerRef, id: string) {
    await this.forChange(principal, scope, id);
    const { deleted } = await assetStoreOf(this.ctx).assets.deleteAsset(scope, id);
    if (!deleted) throw runtimeNotFound(WHAT, id);
  }
}

/** The languages an environment offers: its runtime's and its kernels' (names and languages). */
function languagesOf(env: Environment, configuration: { language?: { name: string } } | undefined): string[] {
  const out = new Set<string>();
  if (configuration?.language) out.add(configuration.language.name.toLowerCase());
  const kernels = env.tools_specification?.supported_kernels;
  for (const k of Array.isArray(kernels) ? kernels : []) {
    if (!k || typeof k !== 'object') continue;
    out.add(String(k.name).toLowerCase());
    if (k.language) out.add(String(k.language).toLowerCase());
  }
  return [...out];
}
