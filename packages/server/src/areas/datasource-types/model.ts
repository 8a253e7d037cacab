import fs from 'node:fs';

/** One connection or interaction property as the API presents it. */
export interface PropertyDefinition {
  name: string;
  type: string;
  label: string;
  description: string;
  descriptionHasLink: boolean;
  required: boolean;
  masked: boolean;
  hidden: boolean;
  readonly: boolean;
  uiOnly: boolean;
  multiline: boolean;
  multichoice: boolean;
  default_value?: string;
  values?: { value: string; label: string }[];
  group: string;
  displayGroup: string;
  displayOrdinal: number;
  user_defined: boolean;
  user_defined_for_external: boolean;
}

/** The local driver a type connects with, if any. */
export type DriverName = 'postgres' | 'mysql';

export interface ActionDefinition {
  name: string;
  description: string;
  properties?: Record<string, unknown>;
}

/** A data source type: built in (catalog.json) or defined by a user. */
export interface DatasourceType {
  id: string;
  name: string;
  label: string;
  description: string;
  type: string;
  builtIn: boolean;
  /** What its discovery and interaction properties look like. */
  shape: 'table' | 'file' | 'http';
  driver?: DriverName;
  /** Data source definition id; the type's own name for canonical types. */
  dsd: string;
  /** Properties that identify the data source (data_source_definition_searchable). */
  identity: string[];
  tags: string[];
  extensible: boolean;
  connection_properties: PropertyDefinition[];
  interaction_properties: { source: PropertyDefinition[]; target: PropertyDefinition[] };
  actions: ActionDefinition[];
  /** Fields kept as given for user-defined types (base type, properties, owner...). */
  custom?: Record<string, unknown>;
  owner_id?: string;
  creator_id?: string;
  created_at?: string;
}

type Shorthand = [string, string, string, string, string | null, string, string[]?];

interface CatalogFile {
  interaction: Record<string, { source: Shorthand[]; target: Shorthand[] }>;
  actions: Record<'driver' | 'none', string[]>;
  types: {
    id: string;
    name: string;
    label: string;
    description: string;
    type: string;
    shape: 'table' | 'file' | 'http';
    driver?: DriverName;
    dsd?: string;
    identity?: string[];
    tags: string[];
    extensible?: boolean;
    properties: Shorthand[];
  }[];
}

const ACTION_DESCRIPTIONS: Record<string, string> = {
  test: 'Check that a connection can be established to the data source.',
  validate: 'Validate the connection properties without connecting.',
  get_datasource_info: 'Get the product name and version of the data source.',
  get_record_count: 'Get the number of records of a table (input: schema_name, table_name).',
  get_approx_record_count:
    'Get the approximate number of records of a table (input: schema_name, table_name).',
};

const GROUP_ORDINAL: Record<string, number> = { domain: 10, credentials: 20, ssl: 30, other: 40 };

/** Expands the catalog's shorthand into the full definition the API answers. */
export function expandProperty([name, type, label, flags, def, group, values]: Shorthand, i: number) {
  const p: PropertyDefinition = {
    name,
    type,
    label,
    description: label,
    descriptionHasLink: false,
    required: flags.includes('r'),
    masked: flags.includes('m'),
    hidden: false,
    readonly: false,
    uiOnly: false,
    multiline: flags.includes('l'),
    multichoice: false,
    group,
    displayGroup: group,
    displayOrdinal: (GROUP_ORDINAL[group] ?? 50) * 10 + i,
    user_defined: false,
    user_defined_for_external: false,
  };
  if (def !== null) p.default_value = def;
  if (values) p.values = values.map((v) => ({ value: v, label: v }));
  return p;
}

function load(): DatasourceType[] {
  const file = JSON.parse(fs.readFileSync(new URL('./catalog.json', import.meta.url), 'utf8')) as CatalogFile;
  return file.types.map((t) => {
    const inter = file.interaction[t.shape];
    return {
      id: t.id,
      name: t.name,
      label: t.label,
      description: t.description,
      type: t.type,
      builtIn: true,
      shape: t.shape,
      ...(t.driver ? { driver: t.driver } : {}),
      dsd: t.dsd ?? t.name,
      identity:
        t.identity ?? t.properties.filter((p) => p[6] === undefined && p[5] === 'domain').map((p) => p[0]),
      tags: t.tags,
      extensible: t.extensible ?? false,
      connection_properties: t.properties.map(expandProperty),
      interaction_properties: {
        source: inter.source.map(expandProperty),
        target: inter.target.map(expandProperty),
      },
      actions: file.actions[t.driver ? 'driver' : 'none'].map((name) => ({
        name,
        description: ACTION_DESCRIPTIONS[name],
      })),
      creator_id: 'IBM',
    };
  });
}

/** The built-in types, by id and by name. */
export const BUILT_IN: DatasourceType[] = load();

export const ENVIRONMENTS = ['cloud', 'java', 'local', 'private', 'public', 'spark'];
export const PRODUCTS = ['catalog', 'cpd', 'datarefinery', 'datastage', 'dv', 'mde', 'mdi', 'ml', 'studio'];
export const PERSPECTIVES = ['cpd', 'wx'];
