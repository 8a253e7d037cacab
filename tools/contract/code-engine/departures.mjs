// Places where the contract differs from, or adds to, the reference data.
// Each entry says what changes and why; the builder applies them after the
// models are converted, and spec/README.md lists them.
//
// `source: 'seed'` entries follow the Python SDK 6.0.2 README (the seed wins
// over the 6.0.3 reference where they disagree); `source: 'contract'` entries
// are choices the reference leaves open.
import { str } from './common.mjs';

/** The 21 bucket locations of the seed's "storage data enum expansion" (values kept in the model's history). */
export const BUCKET_LOCATIONS = [
  'au-syd',
  'br-sao',
  'ca-mon',
  'ca-tor',
  'eu-de',
  'eu-es',
  'eu-gb',
  'jp-osa',
  'jp-tok',
  'us-east',
  'us-south',
  'ap',
  'eu',
  'us',
  'ams03',
  'che01',
  'mil01',
  'mon01',
  'par01',
  'sjc04',
  'sng01',
];

/** Version range of the `version` query parameter in 6.0.2 (the reference's 6.0.3 moved the upper bound). */
export const VERSION_RANGE = { min: '2021-03-31', max: '2026-05-14' };

const reorder = (properties, first) => {
  const out = {};
  for (const k of first) if (k in properties) out[k] = properties[k];
  for (const [k, v] of Object.entries(properties)) if (!(k in out)) out[k] = v;
  return out;
};

/** Lets every member of a merge-patch body be `null`, except those `prototype` (its create body) requires and `except`. */
function allowNull(patch, prototype, except = []) {
  if (!patch || !prototype) throw new Error('merge-patch-null: missing patch or prototype body');
  const required = new Set([...(prototype.required ?? []), ...except]);
  for (const [key, schema] of Object.entries(patch.properties)) {
    if (required.has(key)) continue;
    const { description, ...rest } = schema;
    let nullable;
    if (typeof rest.type === 'string' && !rest.$ref)
      nullable = { ...rest, type: [rest.type, 'null'], ...(rest.enum ? { enum: [...rest.enum, null] } : {}) };
    else nullable = { anyOf: [rest, { type: 'null' }] };
    patch.properties[key] = description ? { description, ...nullable } : nullable;
  }
}

export const DEPARTURES = [
  {
    id: 'bucket-location-enum',
    source: 'seed',
    what: '`StorageDataObjectStorageData.bucket_location` is an enum of 21 regional, cross-regional and single-site locations.',
    why: 'The seed (6.0.2) says the storage data models enumerate the expanded bucket_location values; the reference (6.0.3) has a plain string and keeps the 21 values only in the history of v5.0.0 to v5.0.2.',
    apply(schemas) {
      const p = schemas.StorageDataObjectStorageData.properties;
      p.bucket_location = str({ enum: BUCKET_LOCATIONS });
    },
  },
  {
    id: 'version-upper-bound',
    source: 'seed',
    what: `The \`version\` query parameter accepts dates from ${VERSION_RANGE.min} to ${VERSION_RANGE.max}.`,
    why: 'The seed is SDK 6.0.2, whose documented upper bound is 2026-05-14; the reference is 6.0.3 (2026-06-15).',
    apply() {},
  },
  {
    id: 'cidr-prototype-order',
    source: 'seed',
    what: 'The CIDR prototype lists its properties as `type`, `name`, `cidr_block`.',
    why: 'The seed gives the constructor order (type, name, cidr_block); the reference (6.0.3) declares name before type. Key order does not matter on the wire.',
    apply(schemas) {
      const s = schemas.AllowedOutboundDestinationPrototypeCidrBlockDataPrototype;
      s.properties = reorder(s.properties, ['type', 'name', 'cidr_block']);
    },
  },
  {
    id: 'integers',
    source: 'contract',
    what: 'Numeric fields and parameters (`limit`, ports, seconds, counts, exit codes) are integers.',
    why: 'The SDK types them as TypeScript `number`, which has no integer type; none of them takes fractions.',
    apply() {},
  },
  {
    id: 'limit-bounds',
    source: 'contract',
    what: 'List `limit` is 1 to 100, default 50.',
    why: "The reference types it as a bare number; these are the bounds of IBM's public Code Engine API documentation, and a server must bound page sizes.",
    apply() {},
  },
  {
    id: 'domain-mapping-patch-component',
    source: 'contract',
    what: 'In `DomainMappingPatch`, `component` may carry only the members it changes.',
    why: 'A JSON merge patch (RFC 7396) sends only changed members; the reference reuses `ComponentRef`, whose `name` and `resource_type` are required.',
    apply() {},
    applyToBodies(bodies, models) {
      const { required: _required, ...optional } = models.ComponentRef;
      bodies.DomainMappingPatch.properties.component = optional;
    },
  },
  {
    id: 'closed-enums',
    source: 'contract',
    what: 'Enumerations are closed: only the listed values are accepted.',
    why: 'The SDK types them as open (`X.Constants.Y | string`) so that old clients survive new values; a server must validate.',
    apply() {},
  },
  {
    id: 'patch-no-default',
    source: 'contract',
    what: 'The Private Path patch variant has no default for `isolation_policy`.',
    why: 'In a JSON merge patch an omitted member means "unchanged"; the reference gives the create-time default (shared) on the patch model too.',
    apply(schemas) {
      const p = schemas.AllowedOutboundDestinationPatchPrivatePathServiceGatewayDataPatch.properties;
      delete p.isolation_policy.default;
      p.isolation_policy.description = 'shared or dedicated; left out, the policy stays as it is';
    },
  },
  {
    id: 'merge-patch-null',
    source: 'contract',
    what: 'In the six update bodies, `null` removes a member (RFC 7396), which then takes the value it has when a create leaves it out; members the create requires refuse `null`, and so does the build `timeout`.',
    why: 'The updates are JSON merge patches, where `null` means "remove"; the reference types the patch members as their plain types. A member a resource cannot lack has nothing to fall back to. The SDK parameter `timeout` of updateBuild shares its name with the per-call request timeout (a number), so the generated types cannot take `null` there.',
    apply(schemas) {
      for (const v of ['CidrBlockData', 'PrivatePathServiceGatewayData'])
        allowNull(
          schemas[`AllowedOutboundDestinationPatch${v}Patch`],
          schemas[`AllowedOutboundDestinationPrototype${v}Prototype`],
        );
    },
    applyToBodies(bodies) {
      for (const name of Object.keys(bodies))
        if (name.endsWith('Patch'))
          allowNull(
            bodies[name],
            bodies[name.replace(/Patch$/, 'Prototype')],
            name === 'BuildPatch' ? ['timeout'] : [],
          );
    },
  },
  {
    id: 'ppsg-status-details',
    source: 'contract',
    what: 'The Private Path destination variant types `status_details` as the Private Path status details.',
    why: 'The reference types it as the empty base, whose only subclass is the Private Path one.',
    apply(schemas) {
      const p = schemas.AllowedOutboundDestinationPrivatePathServiceGatewayData.properties;
      p.status_details = {
        $ref: '#/components/schemas/AllowedOutboundStatusDetailsPrivatePathServiceGatewayStatusDetails',
      };
    },
  },
  {
    id: 'closed-patch-and-mounts',
    source: 'contract',
    what: 'Allowed outbound destination patch variants and `VolumeMountPrototype` refuse unknown fields, so `type` in a patch and `name` in a volume mount are rejected.',
    why: 'The seed removes both fields ("do not send type"; "no longer supported"); a closed object makes the removal visible to clients.',
    apply() {},
  },
  {
    id: 'inferred-statuses',
    source: 'contract',
    what: 'Success statuses the reference leaves open are 200 (reads), 201 (creates) and 202 (deletes), marked "status code inferred".',
    why: 'The reference takes success statuses from the SDK integration tests, which assert none for 7 operations and only "2xx" for createAllowedOutboundDestination.',
    apply() {},
  },
  {
    id: 'error-statuses',
    source: 'contract',
    what: 'Error statuses: 400, 401, 403 and 500 on every operation; 404 where a path names a project or resource; 409 on creates; 412 where If-Match is required.',
    why: 'The reference (an SDK) documents no error statuses; all share the Code Engine error body.',
    apply() {},
  },
];

export function applyDepartures(schemas) {
  for (const d of DEPARTURES) d.apply(schemas);
}

/** Departures that change request bodies, which are built after the models. */
export function applyBodyDepartures(bodies, models) {
  for (const d of DEPARTURES) d.applyToBodies?.(bodies, models);
}
