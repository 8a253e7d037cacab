import jsonpatch, { type Operation } from 'fast-json-patch';
import type { Principal } from '../../platform/auth/principal.ts';
import type { AppContext } from '../../platform/context.ts';
import { badRequest, conflict, notFound } from '../../platform/errors.ts';
import type { Asset } from '../assets/model.ts';
import { assetStoreOf, type AssetStore } from '../assets/store.ts';
import { requireContainerRole, type ContainerRef, type ContainerRole } from '../containers/access.ts';
import { checkJob, checkServingName, presentJob, type JobEntity } from './job-model.ts';
import type { JobExecutor, JobRepository, Key } from './repository.ts';
import { FUTURE_RUNS_SHOWN, slotsAfter } from './schedule.ts';
import type { JobDefinitionRow } from './tables.ts';

export interface JobListQuery {
  asset_ref?: string;
  asset_ref_type?: string;
  run_id?: string;
  limit?: number;
  next?: string;
}

/** The job's stored name and description, beside its entity. */
interface JobDoc {
  metadata: { name: string; description: string; tags?: string[] };
  entity: { job: Record<string, unknown> };
}

/** Fields of `entity.job` the server computes: a create or patch may send them, they are not kept. */
const COMPUTED = [
  'future_scheduled_runs',
  'last_run_initiator',
  'last_run_time',
  'last_run_status',
  'last_run_status_timestamp',
  'project_name',
  'space_name',
];

export const jobNotFound = (id: string) =>
  notFound(`Job ${id} was not found.`, { target: { type: 'parameter', name: 'job_id' } });

const encodeKey = (k: Key) => Buffer.from(JSON.stringify(k)).toString('base64url');
export function decodeKey(token: string | undefined, name = 'next'): Key | undefined {
  if (token === undefined) return undefined;
  try {
    const k = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    if (Array.isArray(k) && k.length === 2 && k.every((x) => typeof x === 'string')) return k as Key;
  } catch {
    /* fall through */
  }
  throw badRequest(`Invalid ${name} token: pass the 'next' value of the previous page as it is.`, {
    target: { type: 'parameter', name },
  });
}
export const nextToken = (k: Key | undefined) => (k ? encodeKey(k) : null);

/** Jobs: assets of type `job` in a project or space, with an index row for lists and schedules. */
export class JobService {
  readonly store: AssetStore;

  constructor(
    private readonly ctx: AppContext,
    readonly repo: JobRepository,
  ) {
    this.store = assetStoreOf(ctx);
  }

  /** A job by id or serving name, after the role check; 404 when it is not in the container. */
  async find(
    principal: Principal,
    container: ContainerRef,
    idOrName: string,
    role: ContainerRole,
  ): Promise<Asset> {
    await requireContainerRole(this.ctx, principal, container, role);
    await this.indexArrivals(container);
    let asset = await this.store.assets.getAsset(container, idOrName);
    if (!asset || asset.asset_type !== 'job') {
      const id = await this.repo.jobIdByServingName(container, idOrName);
      asset = id ? await this.store.assets.getAsset(container, id) : undefined;
    }
    if (!asset || asset.asset_type !== 'job') throw jobNotFound(idOrName);
    return asset;
  }

  async create(principal: Principal, container: ContainerRef, body: { job: Record<string, unknown> }) {
    await requireContainerRole(this.ctx, principal, container, 'editor');
    const input = body.job;
    const name = String(input.name ?? '').trim();
    if (!name)
      throw badRequest('job.name must not be blank.', { target: { type: 'field', name: 'job.name' } });
    const entity = await this.checked(container, input);
    const asset = await uniqueServingName(entity, () =>
      this.repo.transaction(async (trx) => {
        if (entity.serving_name && (await this.repo.servingNameTaken(entity.serving_name, undefined, trx))) {
          throw servingNameTaken(entity.serving_name);
        }
        const created = await this.store.assets.createAsset(
          {
            container,
            asset_type: 'job',
            name,
            description: typeof input.description === 'string' ? input.description : '',
            creator_id: principal.iamId,
            entity: { job: entity },
          },
          trx,
        );
        await this.repo.putDefinition(this.definitionOf(created, entity, false), trx);
        return created;
      }),
    );
    return this.present(asset);
  }

  async get(principal: Principal, container: ContainerRef, idOrName: string) {
    return this.present(await this.find(principal, container, idOrName, 'viewer'));
  }

  async list(principal: Principal, container: ContainerRef, q: JobListQuery) {
    await requireContainerRole(this.ctx, principal, container, 'viewer');
    await this.indexArrivals(container);
    const limit = Math.min(q.limit ?? 100, 200);
    let jobId: string | undefined;
    if (q.run_id !== undefined) {
      jobId = await this.repo.jobOfRun(container, q.run_id);
      if (!jobId) return { total_rows: 0, results: [], next: null };
    }
    const page = await this.repo.listDefinitions(
      container,
      { asset_ref: q.asset_ref, asset_ref_type: q.asset_ref_type, job_id: jobId },
      limit,
      decodeKey(q.next),
    );
    const results = [];
    const containerName = await this.repo.containerName(container);
    for (const row of page.rows) {
      const asset = await this.store.assets.getAsset(container, row.job_id);
      if (asset) results.push(await this.present(asset, containerName));
    }
    return { total_rows: page.total, results, next: nextToken(page.next) };
  }

  /** RFC 6902 on `/metadata/name|description|tags` and `/entity/job/...`; the result is checked as a new job is. */
  async update(principal: Principal, container: ContainerRef, idOrName: string, ops: Operation[]) {
    const asset = await this.find(principal, container, idOrName, 'editor');
    const doc: JobDoc = {
      metadata: { name: asset.name, description: asset.description, tags: asset.tags },
      entity: { job: { ...(asset.entity.job as Record<string, unknown>) } },
    };
    let next: JobDoc;
    try {
      next = jsonpatch.applyPatch(jsonpatch.deepClone(doc), ops, true, false, true).newDocument;
    } catch (err) {
      const e = err as { name?: string; message?: string; index?: number };
      const reason = (e.message ?? 'invalid operation').split('\n')[0];
      if (e.name === 'TEST_OPERATION_FAILED')
        throw conflict(`Patch operation ${e.index ?? ''} failed its test.`);
      throw badRequest(`Invalid patch operation${e.index === undefined ? '' : ` ${e.index}`}: ${reason}`);
    }
    if (
      !next?.metadata ||
      typeof next.metadata !== 'object' ||
      !next.entity ||
      typeof next.entity.job !== 'object' ||
      next.entity.job === null
    ) {
      throw badRequest('The patch may change /metadata/... and /entity/job/..., not remove them.');
    }
    const name = next.metadata.name;
    if (typeof name !== 'string' || !name.trim()) {
      throw badRequest('metadata.name must be a non-blank string.', {
        target: { type: 'field', name: 'metadata.name' },
      });
    }
    if (typeof next.metadata.description !== 'string') {
      throw badRequest('metadata.description must be a string.', {
        target: { type: 'field', name: 'metadata.description' },
      });
    }
    const tags = next.metadata.tags;
    if (tags !== undefined && (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string'))) {
      throw badRequest('metadata.tags must be a list of strings.', {
        target: { type: 'field', name: 'metadata.tags' },
      });
    }
    const job = next.entity.job;
    for (const k of COMPUTED) delete job[k];
    const previous = asset.entity.job as JobEntity;
    // the stored asset_ref_type follows from asset_ref: derived again, unless the patch changed it
    if (job.asset_ref && job.asset_ref_type === previous.asset_ref_type) delete job.asset_ref_type;
    const entity = await this.checked(container, job);
    for (const k of ['schedule_id', 'schedule_creator_id'] as const)
      if (previous[k] !== undefined) entity[k] = previous[k];
    const scheduleChanged =
      entity.schedule !== previous.schedule ||
      JSON.stringify(entity.schedule_info) !== JSON.stringify(previous.schedule_info);
    const updated = await uniqueServingName(entity, () =>
      this.repo.transaction(async (trx) => {
        if (
          entity.serving_name &&
          (await this.repo.servingNameTaken(entity.serving_name, asset.asset_id, trx))
        ) {
          throw servingNameTaken(entity.serving_name);
        }
        const changed = await this.store.assets.updateAsset(
          container,
          asset.asset_id,
          {
            updater_id: principal.iamId,
            name: name.trim(),
            description: next.metadata.description,
            tags,
            entity: { job: entity },
          },
          trx,
        );
        if (!changed) throw jobNotFound(idOrName);
        const current = await this.repo.getDefinition(asset.asset_id, trx);
        const keepNext = !scheduleChanged && current ? current.next_run_at : undefined;
        const def = this.definitionOf(
          changed,
          entity,
          await this.repo.hasFiredSlot(asset.asset_id, trx),
          current?.created_at,
        );
        if (keepNext !== undefined) def.next_run_at = keepNext;
        await this.repo.putDefinition(def, trx);
        return changed;
      }),
    );
    return this.present(updated);
  }

  /** Deletes a job with its runs and logs; refused while a run of it is queued or running. */
  async delete(principal: Principal, container: ContainerRef, idOrName: string) {
    const asset = await this.find(principal, container, idOrName, 'editor');
    if (await this.repo.countActiveRuns(asset.asset_id)) {
      throw conflict(
        `Job ${asset.asset_id} has runs queued or running: cancel them before deleting the job.`,
      );
    }
    const res = await this.store.assets.deleteAsset(container, asset.asset_id);
    if (!res.deleted) throw jobNotFound(idOrName);
    await res.removeContent();
  }

  async servingNameAvailability(name: string) {
    checkServingName(name, 'serving_name');
    const taken = await this.repo.servingNameTaken(name);
    return { results: [taken ? 'serving_name already exists in DB' : 'serving_name does not exist in DB'] };
  }

  /** `containerName`: the project's or space's name, when the caller has it already (lists). */
  async present(asset: Asset, containerName?: string) {
    const entity = (asset.entity.job ?? {}) as JobEntity;
    const def = await this.repo.getDefinition(asset.asset_id);
    const future: Date[] = [];
    if (entity.schedule && def?.next_run_at) {
      const first = new Date(def.next_run_at);
      future.push(first);
      if (entity.schedule_info?.repeat !== false) {
        future.push(...slotsAfter(entity.schedule, entity.schedule_info, first, FUTURE_RUNS_SHOWN - 1));
      }
    }
    const last = await this.repo.lastRun(asset.asset_id);
    const name = containerName ?? (await this.repo.containerName(asset.container));
    return presentJob(asset, future, name, last);
  }

  /** The entity after the job rules; the asset it refers to must be in the same container. */
  private async checked(container: ContainerRef, job: Record<string, unknown>): Promise<JobEntity> {
    const entity = checkJob(job);
    if (entity.asset_ref) {
      const target = await this.store.assets.getAsset(container, entity.asset_ref);
      if (!target) {
        throw badRequest(`job.asset_ref ${entity.asset_ref} is not an asset of this ${container.kind}.`, {
          target: { type: 'field', name: 'job.asset_ref' },
        });
      }
      entity.asset_ref_type = target.asset_type;
    }
    return entity;
  }

  /**
   * Indexes jobs that reached the container without this service (asset imports, project archives),
   * so they list, run and schedule like the others. A serving name already used on the server is not
   * carried over: serving names stay unique.
   */
  private async indexArrivals(container: ContainerRef): Promise<void> {
    for (const id of await this.repo.unindexedJobIds(container)) {
      // Read before the transaction: on SQLite a query outside it would wait for it forever.
      const asset = await this.store.assets.getAsset(container, id);
      if (!asset) continue;
      const job = asset.entity.job;
      const def = this.definitionOf(
        asset,
        (typeof job === 'object' && job !== null ? job : {}) as JobEntity,
        false,
      );
      await this.repo.transaction(async (trx) => {
        if (await this.repo.getDefinition(id, trx)) return;
        if (def.serving_name && (await this.repo.servingNameTaken(def.serving_name, id, trx))) {
          def.serving_name = null;
        }
        await this.repo.putDefinition(def, trx);
      });
    }
  }

  /** The index row of a job; `fired` when a one-off schedule already ran. */
  definitionOf(asset: Asset, entity: JobEntity, fired: boolean, createdAt?: string): JobDefinitionRow {
    const next = entity.schedule
      ? slotsAfter(entity.schedule, entity.schedule_info, new Date(), 1, fired)[0]
      : undefined;
    return {
      job_id: asset.asset_id,
      container_kind: asset.container.kind,
      container_id: asset.container.id,
      asset_ref: entity.asset_ref ?? null,
      asset_ref_type: entity.asset_ref_type ?? null,
      serving_name: entity.serving_name ?? null,
      schedule: entity.schedule ?? null,
      next_run_at: next ? next.toISOString() : null,
      created_at: createdAt ?? asset.created_at,
    };
  }
}

const servingNameTaken = (name: string) =>
  conflict(`serving_name ${name} is already used by another job.`, {
    target: { type: 'field', name: 'job.serving_name' },
  });

/** Two writers racing for one serving name: the unique index refuses the second, a 409 too. */
async function uniqueServingName<T>(entity: JobEntity, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (entity.serving_name && (code === '23505' || code.startsWith('SQLITE_CONSTRAINT'))) {
      throw servingNameTaken(entity.serving_name);
    }
    throw err;
  }
}

export type { JobExecutor };
