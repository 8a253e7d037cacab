// Shared schema pieces for the common core contract.
//
// Dialect rules (the server feeds these schemas to Fastify's Ajv in draft-07
// mode, strict): only draft-07 keywords, no `example`/`x-*` inside schemas,
// no `nullable` (use type arrays), `$ref` only to #/components/schemas/...,
// no recursive schemas.

/** `$ref` to a component schema. */
export const ref = (name) => ({ $ref: `#/components/schemas/${name}` });

export const str = (extra = {}) => ({ type: 'string', ...extra });
export const bool = (extra = {}) => ({ type: 'boolean', ...extra });
export const int = (extra = {}) => ({ type: 'integer', ...extra });
export const num = (extra = {}) => ({ type: 'number', ...extra });
export const arr = (items, extra = {}) => ({ type: 'array', items, ...extra });
export const dateTime = (extra = {}) => ({ type: 'string', format: 'date-time', ...extra });
/** A free-form JSON object (kept whole by serializers). */
export const map = (extra = {}) => ({ type: 'object', additionalProperties: true, ...extra });
/** Any JSON value. */
export const any = (extra = {}) => ({ ...extra });

/**
 * Object schema. `required` lists property names. Extra keywords (e.g.
 * additionalProperties, description) go in `extra`.
 */
export function obj(properties, required = [], extra = {}) {
  const s = { type: 'object' };
  if (extra.description) s.description = extra.description;
  if (required.length) s.required = required;
  s.properties = properties;
  for (const [k, v] of Object.entries(extra)) if (k !== 'description') s[k] = v;
  return s;
}

export const UUID_PATTERN = '^[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12}$';

/** `{href}` link used by paged lists. */
export const HrefLink = obj({ href: str() }, ['href'], { description: 'Link to a page of results.' });

/** Link with the page token of the next page (spaces, exports, asset lists). */
export const NextLink = obj({ href: str(), start: str() }, ['href'], {
  description: 'Link to the next page; `start` is the page token carried in the URL.',
});

// ---------------------------------------------------------------- JSON Patch

const patchPath = (paths) => (paths ? str({ enum: paths }) : str({ pattern: '^(/.*)?$' }));

/**
 * RFC 6902 JSON Patch document. With `paths`, only those target paths are
 * accepted (the seed lists the allowed paths for spaces and space members).
 * `ops` narrows the allowed operations.
 */
export function jsonPatch({ paths = null, ops = null, description } = {}) {
  const allOps = ops || ['add', 'remove', 'replace', 'move', 'copy', 'test'];
  const withValue = allOps.filter((o) => ['add', 'replace', 'test'].includes(o));
  const withFrom = allOps.filter((o) => ['move', 'copy'].includes(o));
  const variants = [];
  if (withValue.length) {
    variants.push(
      obj({ op: str({ enum: withValue }), path: patchPath(paths), value: any() }, ['op', 'path', 'value']),
    );
  }
  if (allOps.includes('remove')) {
    variants.push(obj({ op: str({ enum: ['remove'] }), path: patchPath(paths) }, ['op', 'path']));
  }
  if (withFrom.length) {
    variants.push(
      obj({ op: str({ enum: withFrom }), path: patchPath(paths), from: str({ pattern: '^(/.*)?$' }) }, [
        'op',
        'path',
        'from',
      ]),
    );
  }
  const item = variants.length === 1 ? variants[0] : { oneOf: variants };
  return arr(item, { description: description || 'RFC 6902 JSON Patch document.' });
}

export const JsonPatch = jsonPatch();

/**
 * PATCH body of the environments family: one flat object whose keys are JSON
 * pointers (e.g. "/metadata/name") and whose values replace what is there.
 */
export function pointerMap(knownKeys = {}, description) {
  return {
    type: 'object',
    description:
      description || 'Keys are JSON pointers into the resource; each value replaces the value at that path.',
    minProperties: 1,
    properties: knownKeys,
    propertyNames: { pattern: '^/' },
    additionalProperties: true,
  };
}

// ---------------------------------------------------------------- errors

export const ProjectsError = obj(
  {
    code: str({ description: 'HTTP status code, as a string.', pattern: '^[1-5][0-9]{2}$' }),
    error: str({ description: 'HTTP reason phrase.' }),
    reason: str(),
    message: str(),
    id: str({ description: 'Message id (422 responses).' }),
    description: str(),
  },
  ['code', 'error', 'reason', 'message'],
  { description: 'Error body of the projects service.' },
);

export const TransactionalProjectsError = obj(
  {
    code: str({ pattern: '^[1-5][0-9]{2}$' }),
    error: str(),
    reason: str(),
    message: str(),
    description: str({ description: 'Summary in the form "[401] Unauthorized: ...".' }),
  },
  ['code', 'error', 'reason', 'message', 'description'],
  { description: 'Error body of the transactional projects service.' },
);

export const SpacesError = obj(
  {
    trace: str(),
    errors: arr(
      obj(
        {
          code: str({ description: 'Message id, e.g. SPACES0007E.' }),
          message: str(),
          parameters: arr(str()),
        },
        ['code', 'message'],
      ),
      { minItems: 1 },
    ),
  },
  ['trace', 'errors'],
  { description: 'Error body of the spaces, asset exports and asset imports services.' },
);

export const ConnectionsError = obj(
  {
    trace: str(),
    errors: arr(
      obj(
        {
          code: str({ description: 'Error code such as not_found.' }),
          message: str(),
          more_info: str(),
          target: obj({ type: str(), name: str() }),
          extra: obj({
            environment_name: str(),
            http_status: int(),
            id: str({ description: 'Message id, e.g. CDICO9006E.' }),
            source_cluster: { type: ['string', 'null'] },
            source_component: str(),
            timestamp: str(),
          }),
        },
        ['code', 'message'],
      ),
      { minItems: 1 },
    ),
  },
  ['trace', 'errors'],
  { description: 'Error body of the connections and datasource types services.' },
);

export const JobsError = obj(
  {
    code: str(),
    message: str(),
    more_info: str(),
    target: obj({ type: str({ enum: ['field', 'parameter', 'header'] }), name: str() }, ['type', 'name']),
  },
  ['code', 'message'],
  {
    description:
      'Error body of the jobs and job runs services (not documented in the seed; shape of the 2021 Watson Data API).',
  },
);

export const EnvironmentsError = obj(
  {
    trace: str(),
    errors: arr(
      obj(
        {
          code: str({ description: 'Error code such as invalid_type.' }),
          message: str(),
          target: obj({ type: str(), name: str() }),
        },
        ['code', 'message'],
      ),
      { minItems: 1 },
    ),
  },
  ['trace', 'errors'],
  {
    description:
      'Error body of the environments, hardware specifications, software specifications and package extensions services.',
  },
);

export const UndocumentedError = obj(
  {
    trace: str(),
    errors: arr(obj({ code: str(), message: str(), parameters: arr(str()) }, ['code', 'message']), {
      minItems: 1,
    }),
  },
  ['trace', 'errors'],
  {
    description:
      'Error body of asset containers and asset lists. The seed documents no error body for them; this contract uses the spaces shape.',
  },
);

export const errorSchemas = {
  ProjectsError,
  TransactionalProjectsError,
  SpacesError,
  ConnectionsError,
  JobsError,
  EnvironmentsError,
  AssetContainersError: UndocumentedError,
};

/** Error schema name for each area. */
export const errorSchemaByArea = {
  connections: 'ConnectionsError',
  'datasource types': 'ConnectionsError',
  projects: 'ProjectsError',
  'transactional projects': 'TransactionalProjectsError',
  spaces: 'SpacesError',
  'asset exports': 'SpacesError',
  'asset imports': 'SpacesError',
  jobs: 'JobsError',
  'job runs': 'JobsError',
  environments: 'EnvironmentsError',
  'hardware specifications': 'EnvironmentsError',
  'software specifications': 'EnvironmentsError',
  'package extensions': 'EnvironmentsError',
  'asset containers': 'AssetContainersError',
  'asset lists': 'AssetContainersError',
};

/** Body of calls that take an empty JSON object ({}). */
export const EmptyObject = obj({}, [], { description: 'Empty JSON object.' });

export const commonSchemas = { HrefLink, NextLink, JsonPatch, EmptyObject };
