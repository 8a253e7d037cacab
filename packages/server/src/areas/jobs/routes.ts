import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Operation } from 'fast-json-patch';
import type { AppContext } from '../../platform/context.ts';
import { registerOperations } from '../../platform/operations.ts';
import { containerOfQuery, type ContainerKind } from '../containers/access.ts';
import { assetStoreOf } from '../assets/store.ts';
import { RunWorker } from '../../workers/run-worker.ts';
import { Scheduler } from '../../workers/scheduler.ts';
import type { JobEntity } from './job-model.ts';
import { JobService, type JobListQuery } from './job-service.ts';
import { JobRepository, type JobRun } from './repository.ts';
import { RunService, type LogQuery, type RunListQuery } from './run-service.ts';

type Params = { job_id: string; run_id: string; serving_name: string };
const params = (req: FastifyRequest) => req.params as Params;
const container = (req: FastifyRequest) => containerOfQuery(req.query as Record<string, unknown>);

/** Jobs and their runs; the worker that runs them and the scheduler start with the server. */
export function registerJobs(app: FastifyInstance, ctx: AppContext): void {
  const repo = new JobRepository(ctx.store);
  const jobs = new JobService(ctx, repo);

  /** The job's retention policy, applied each time one of its runs ends. */
  const applyRetention = async (run: JobRun) => {
    const job = await assetStoreOf(ctx).assets.getAsset(
      { kind: run.container_kind as ContainerKind, id: run.container_id },
      run.job_id,
    );
    const policy = (job?.entity.job as JobEntity | undefined)?.retention_policy;
    if (!policy) return;
    await repo.pruneRuns(run.job_id, {
      amount: policy.amount,
      olderThan: policy.days ? new Date(Date.now() - policy.days * 86_400_000).toISOString() : undefined,
    });
  };
  const worker = new RunWorker(ctx, repo, applyRetention);
  const scheduler = new Scheduler(ctx, repo, () => worker.wake());
  const runs = new RunService(jobs, repo, worker);
  app.decorate('jobRuns', worker);

  app.addHook('onReady', async () => {
    await worker.start();
    scheduler.start();
  });
  app.addHook('preClose', async () => {
    await scheduler.close();
    await worker.close();
  });

  registerOperations(app, ctx, {
    'GET /v2/jobs': async (req: FastifyRequest) =>
      jobs.list(req.principal, container(req), req.query as JobListQuery),

    'POST /v2/jobs': async (req: FastifyRequest, reply: FastifyReply) =>
      reply
        .code(201)
        .send(await jobs.create(req.principal, container(req), req.body as { job: Record<string, unknown> })),

    'GET /v2/jobs/{job_id}': async (req: FastifyRequest) =>
      jobs.get(req.principal, container(req), params(req).job_id),

    'PATCH /v2/jobs/{job_id}': async (req: FastifyRequest) =>
      jobs.update(req.principal, container(req), params(req).job_id, req.body as Operation[]),

    'DELETE /v2/jobs/{job_id}': async (req: FastifyRequest, reply: FastifyReply) => {
      await jobs.delete(req.principal, container(req), params(req).job_id);
      return reply.code(204).send();
    },

    'GET /v2/jobs/serving_name/{serving_name}': async (req: FastifyRequest) =>
      jobs.servingNameAvailability(params(req).serving_name),

    'GET /v2/jobs/{job_id}/runs': async (req: FastifyRequest) =>
      runs.list(req.principal, container(req), params(req).job_id, req.query as RunListQuery),

    'POST /v2/jobs/{job_id}/runs': async (req: FastifyRequest, reply: FastifyReply) =>
      reply
        .code(201)
        .send(await runs.start(req.principal, container(req), params(req).job_id, (req.body ?? {}) as any)),

    'GET /v2/jobs/{job_id}/runs/{run_id}': async (req: FastifyRequest) =>
      runs.get(req.principal, container(req), params(req).job_id, params(req).run_id),

    'DELETE /v2/jobs/{job_id}/runs/{run_id}': async (req: FastifyRequest, reply: FastifyReply) => {
      await runs.delete(req.principal, container(req), params(req).job_id, params(req).run_id);
      return reply.code(204).send();
    },

    'GET /v2/jobs/{job_id}/runs/{run_id}/logs': async (req: FastifyRequest) =>
      runs.logs(req.principal, container(req), params(req).job_id, params(req).run_id, req.query as LogQuery),

    'POST /v2/jobs/{job_id}/runs/{run_id}/cancel': async (req: FastifyRequest, reply: FastifyReply) => {
      await runs.cancel(req.principal, container(req), params(req).job_id, params(req).run_id);
      return reply.code(204).send();
    },

    'POST /v2/jobs/{job_id}/runs/{run_id}/pause': async (req: FastifyRequest, reply: FastifyReply) => {
      await runs.pause(req.principal, container(req), params(req).job_id, params(req).run_id);
      return reply.code(204).send();
    },

    'POST /v2/jobs/{job_id}/runs/{run_id}/resume': async (req: FastifyRequest, reply: FastifyReply) => {
      await runs.resume(req.principal, container(req), params(req).job_id, params(req).run_id);
      return reply.code(204).send();
    },
  });
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The job run worker (tests and benchmarks wait on it). */
    jobRuns: RunWorker;
  }
}
