import { readCredentialsFile } from './credentials-file.ts';

/** Configuration properties of a service, camel-cased: `AUTH_TYPE` becomes `authType`. */
export type ServiceProperties = Record<string, any>;

/** `my-service` → `MY_SERVICE`, the prefix of its variables. */
export function servicePrefix(serviceName: string): string {
  return serviceName.toUpperCase().replace(/-/g, '_') + '_';
}

/** `CR_TOKEN_FILENAME` → `crTokenFilename`. */
export function camelCase(name: string): string {
  return name.toLowerCase().replace(/[_-]+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

const BOOLEANS = ['disableSsl', 'authDisableSsl', 'enableGzip', 'enableRetries'];
const INTEGERS = ['maxRetries', 'retryInterval'];

/** The properties of `source` that belong to the service, with booleans and numbers converted. */
export function propertiesFor(
  source: Record<string, string | undefined>,
  serviceName: string,
): ServiceProperties {
  const prefix = servicePrefix(serviceName);
  const props: ServiceProperties = {};
  for (const [key, value] of Object.entries(source))
    if (key.startsWith(prefix) && value !== undefined) props[camelCase(key.slice(prefix.length))] = value;
  for (const key of BOOLEANS)
    if (typeof props[key] === 'string') props[key] = props[key].toLowerCase() === 'true';
  for (const key of INTEGERS) if (typeof props[key] === 'string') props[key] = parseInt(props[key], 10);
  return props;
}

/** Credentials of a Cloud Foundry service binding, by service key or by instance name. */
export function propertiesFromVcap(serviceName: string): ServiceProperties {
  const raw = globalThis.process?.env?.VCAP_SERVICES;
  if (!raw) return {};
  let services: Record<string, { name?: string; credentials?: Record<string, unknown> }[]>;
  try {
    services = JSON.parse(raw);
  } catch {
    return {};
  }
  const entries = Object.values(services).flat();
  const match = services[serviceName]?.[0] ?? entries.find((e) => e?.name === serviceName);
  const c = match?.credentials ?? {};
  const props: ServiceProperties = {};
  for (const key of ['apikey', 'url', 'username', 'password', 'bearerToken']) if (c[key]) props[key] = c[key];
  if (props.apikey || props.username || props.bearerToken) return props;
  return props.url ? { ...props, authType: 'noAuth' } : {};
}

/**
 * The service's configuration from the first source that has any, in IBM's order: the credentials
 * file, then environment variables, then `VCAP_SERVICES`.
 */
export function readExternalSources(serviceName: string): ServiceProperties | null {
  if (!serviceName) return null;
  for (const read of [
    () => propertiesFor(readCredentialsFile(), serviceName),
    () => propertiesFor(globalThis.process?.env ?? {}, serviceName),
    () => propertiesFromVcap(serviceName),
  ]) {
    const props = read();
    if (Object.keys(props).length > 0) return props;
  }
  return null;
}
