import net from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  checkName,
  fieldError,
  requireProject,
  resourceExists,
  resourceNotFound,
  type CodeEngineArea,
} from './area.ts';
import { registerCodeEngineOperations, scopeOf, sendWithTag } from './http.ts';
import { isObject } from './merge-patch.ts';
import { decodeStart, listBody, pageLimit, type PageQuery } from './paging.ts';
import type { ResourceRecord } from './repository.ts';

type Destination =
  | { type: 'cidr_block'; cidr_block: string }
  | {
      type: 'private_path_service_gateway';
      isolation_policy: 'shared' | 'dedicated';
      private_path_service_gateway_crn: string;
    };

type Params = { project_id: string; name: string };

/** An IPv4 network in CIDR notation, e.g. `10.0.0.0/16`. */
function checkCidr(value: string): void {
  const [ip, bits, extra] = value.split('/');
  const prefix = Number(bits);
  if (extra !== undefined || !net.isIPv4(ip ?? '') || !/^\d{1,2}$/.test(bits ?? '') || prefix > 32) {
    throw fieldError(
      400,
      `Invalid 'cidr_block': '${value}' is not an IPv4 CIDR block such as 10.0.0.0/16.`,
      'cidr_block',
    );
  }
}

/** `crn:v1:<cloud>:<type>:is:<region>:a/<account>::private-path-service-gateway:<id>`. */
function checkGatewayCrn(value: string): void {
  const parts = value.split(':');
  if (
    parts.length !== 10 ||
    parts[0] !== 'crn' ||
    parts[1] !== 'v1' ||
    parts[8] !== 'private-path-service-gateway' ||
    !parts[9]
  ) {
    throw fieldError(
      400,
      `Invalid 'private_path_service_gateway_crn': '${value}' is not the CRN of a Private Path service gateway.`,
      'private_path_service_gateway_crn',
    );
  }
}

/** Allowed outbound destinations: CIDR blocks and Private Path service gateways, deploying then ready. */
export function registerAllowedOutboundDestinations(app: FastifyInstance, area: CodeEngineArea): void {
  const { ctx, resources } = area;
  const deploying = { status: 'deploying', readyStatus: 'ready', readyInMs: area.settings.readyMs };

  /** `accountId`: the project's account, which owns the endpoint gateway. */
  function present(r: ResourceRecord<Destination>, accountId: string) {
    const d = r.entity;
    const common = {
      entity_tag: r.entityTag,
      name: r.name,
      project_id: r.projectId,
      status: r.status ?? 'ready',
    };
    if (d.type === 'cidr_block') return { ...common, type: d.type, cidr_block: d.cidr_block };
    const ready = r.status === 'ready';
    const gatewayId = d.private_path_service_gateway_crn.split(':')[9];
    return {
      ...common,
      type: d.type,
      isolation_policy: d.isolation_policy,
      private_path_service_gateway_crn: d.private_path_service_gateway_crn,
      status_details: {
        reason: ready ? 'ready' : 'deploying',
        ...(ready
          ? {
              endpoint_gateway: {
                account_id: accountId,
                created_at: r.updatedAt,
                ips: ['10.240.0.4'],
                name: `ce-${r.name}`,
              },
              private_path_service_gateway: {
                id: gatewayId,
                name: `ppsg-${gatewayId}`,
                service_endpoints: [],
              },
            }
          : {}),
      },
    };
  }
  async function load(req: FastifyRequest, opts: { forCreate?: boolean } = {}) {
    const scope = scopeOf(req, ctx);
    const project = await requireProject(area, scope, (req.params as Params).project_id, opts);
    return { scope, project };
  }

  registerCodeEngineOperations(app, ctx, {
    'GET /projects/{project_id}/allowed_outbound_destinations': async (req: FastifyRequest) => {
      const { scope, project } = await load(req);
      const q = req.query as PageQuery;
      const limit = pageLimit(q.limit);
      const after = decodeStart('allowed_outbound_destinations', q.start);
      const page = await resources.list<Destination>(project.id, 'allowed_outbound_destination', {
        limit,
        after,
      });
      const items = page.items.map((r) => present(r, project.accountId));
      return listBody(
        scope,
        'allowed_outbound_destinations',
        'allowed_outbound_destinations',
        { items, more: page.more },
        limit,
        (i) => i.name,
      );
    },

    'POST /projects/{project_id}/allowed_outbound_destinations': async (
      req: FastifyRequest,
      reply: FastifyReply,
    ) => {
      const body = req.body as Record<string, string>;
      checkName(body.name, { max: 63, dots: false });
      let entity: Destination;
      if (body.type === 'cidr_block') {
        checkCidr(body.cidr_block);
        entity = { type: 'cidr_block', cidr_block: body.cidr_block };
      } else {
        checkGatewayCrn(body.private_path_service_gateway_crn);
        entity = {
          type: 'private_path_service_gateway',
          isolation_policy: body.isolation_policy === 'dedicated' ? 'dedicated' : 'shared',
          private_path_service_gateway_crn: body.private_path_service_gateway_crn,
        };
      }
      const { project } = await load(req, { forCreate: true });
      const created = await resources.create<Destination>({
        projectId: project.id,
        kind: 'allowed_outbound_destination',
        name: body.name,
        filterKey: entity.type,
        entity,
        transition: deploying,
      });
      if (!created) throw resourceExists('allowed_outbound_destination', body.name);
      return sendWithTag(reply, 201, present(created, project.accountId));
    },

    'GET /projects/{project_id}/allowed_outbound_destinations/{name}': async (
      req: FastifyRequest,
      reply: FastifyReply,
    ) => {
      const { project } = await load(req);
      const { name } = req.params as Params;
      const found = await resources.get<Destination>(project.id, 'allowed_outbound_destination', name);
      if (!found) throw resourceNotFound('allowed_outbound_destination', name);
      return sendWithTag(reply, 200, present(found, project.accountId));
    },

    'PATCH /projects/{project_id}/allowed_outbound_destinations/{name}': async (
      req: FastifyRequest,
      reply: FastifyReply,
    ) => {
      const { project } = await load(req);
      const { name } = req.params as Params;
      const patch = (isObject(req.body) ? req.body : {}) as Record<string, unknown>;
      const updated = await resources.update<Destination>(
        project.id,
        'allowed_outbound_destination',
        name,
        req.headers['if-match'],
        (current) => {
          const d = current.entity;
          // The patch variants differ by field; the stored destination's type decides which applies.
          const allowed = d.type === 'cidr_block' ? 'cidr_block' : 'isolation_policy';
          for (const [key, value] of Object.entries(patch)) {
            if (key !== allowed) {
              throw fieldError(400, `'${key}' cannot be patched on a destination of type '${d.type}'.`, key);
            }
            // Merge patch: null removes; a destination cannot lack its CIDR block.
            if (value === null && key === 'cidr_block') {
              throw fieldError(400, `'${key}' cannot be removed.`, key);
            }
          }
          if (Object.keys(patch).length === 0) return {};
          if (d.type === 'cidr_block') {
            checkCidr(String(patch.cidr_block));
            return { entity: { ...d, cidr_block: String(patch.cidr_block) }, transition: deploying };
          }
          return {
            // A removed policy is the one a create leaves out: shared.
            entity: {
              ...d,
              isolation_policy: (patch.isolation_policy ?? 'shared') as 'shared' | 'dedicated',
            },
            transition: deploying,
          };
        },
      );
      if (!updated) throw resourceNotFound('allowed_outbound_destination', name);
      return sendWithTag(reply, 200, present(updated, project.accountId));
    },

    'DELETE /projects/{project_id}/allowed_outbound_destinations/{name}': async (
      req: FastifyRequest,
      reply: FastifyReply,
    ) => {
      const { project } = await load(req);
      const { name } = req.params as Params;
      if (!(await resources.delete(project.id, 'allowed_outbound_destination', name))) {
        throw resourceNotFound('allowed_outbound_destination', name);
      }
      return reply.code(202).send();
    },
  });
}
