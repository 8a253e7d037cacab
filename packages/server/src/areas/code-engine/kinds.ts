/**
 * The kinds of resources stored in `ce_resources`, with the collection path segment and the
 * `resource_type` value the API shows. Areas built on this base add their kinds here.
 */
export const KINDS = {
  allowed_outbound_destination: { path: 'allowed_outbound_destinations', resourceType: undefined },
  config_map: { path: 'config_maps', resourceType: 'config_map_v2' },
  secret: { path: 'secrets', resourceType: 'secret_v2' },
  persistent_data_store: { path: 'persistent_data_stores', resourceType: 'persistent_data_store_v2' },
  binding: { path: 'bindings', resourceType: 'binding_v2' },
  domain_mapping: { path: 'domain_mappings', resourceType: 'domain_mapping_v2' },
  app: { path: 'apps', resourceType: 'app_v2' },
  app_revision: { path: 'revisions', resourceType: 'app_revision_v2' },
  job: { path: 'jobs', resourceType: 'job_v2' },
  job_run: { path: 'job_runs', resourceType: 'job_run_v2' },
  function: { path: 'functions', resourceType: 'function_v2' },
  build: { path: 'builds', resourceType: 'build_v2' },
  build_run: { path: 'build_runs', resourceType: 'build_run_v2' },
} as const;

export type Kind = keyof typeof KINDS;

/** Components that bindings and domain mappings refer to, by their `resource_type`. */
export const COMPONENT_KINDS: Record<string, Kind> = {
  app_v2: 'app',
  job_v2: 'job',
  function_v2: 'function',
};
