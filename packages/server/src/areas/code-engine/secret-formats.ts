import crypto from 'node:crypto';
import { fieldError } from './area.ts';

export type SecretFormat =
  | 'generic'
  | 'ssh_auth'
  | 'basic_auth'
  | 'hmac_auth'
  | 'tls'
  | 'service_access'
  | 'registry'
  | 'service_operator'
  | 'other';

/** `resource_type` of a secret, per format. */
export const SECRET_RESOURCE_TYPES: Record<SecretFormat, string> = {
  generic: 'secret_generic_v2',
  ssh_auth: 'secret_auth_ssh_v2',
  basic_auth: 'secret_basic_auth_v2',
  hmac_auth: 'secret_hmac_auth_v2',
  tls: 'secret_tls_v2',
  service_access: 'secret_service_access_v2',
  registry: 'secret_registry_v2',
  service_operator: 'secret_operator_v2',
  other: 'secret_other_v2',
};

/** Formats whose data the service generates: callers give properties, never data. */
export const GENERATED_FORMATS = new Set<SecretFormat>(['service_access', 'service_operator']);

type Data = Record<string, string>;

function required(data: Data, key: string): string {
  const value = data[key];
  if (typeof value !== 'string' || value.trim() === '') {
    throw fieldError(
      400,
      `Secret data '${key}' is required and may not be empty for this format.`,
      `data.${key}`,
    );
  }
  return value;
}

const PRIVATE_KEY_PEM =
  /^\s*-----BEGIN ((?:OPENSSH |RSA |EC |DSA |ENCRYPTED )?PRIVATE KEY)-----\r?\n[A-Za-z0-9+/=\r\n:,\- ]+\r?\n-----END \1-----\s*$/;

function checkSsh(data: Data): void {
  if (!PRIVATE_KEY_PEM.test(required(data, 'ssh_key'))) {
    throw fieldError(400, "Secret data 'ssh_key' must be a PEM-encoded private key.", 'data.ssh_key');
  }
}

function checkTls(data: Data): void {
  let cert: crypto.X509Certificate;
  let key: crypto.KeyObject;
  try {
    cert = new crypto.X509Certificate(required(data, 'tls_cert'));
  } catch (err) {
    if ((err as { status?: number }).status) throw err;
    throw fieldError(400, "Secret data 'tls_cert' must be a PEM-encoded X.509 certificate.", 'data.tls_cert');
  }
  try {
    key = crypto.createPrivateKey(required(data, 'tls_key'));
  } catch (err) {
    if ((err as { status?: number }).status) throw err;
    throw fieldError(
      400,
      "Secret data 'tls_key' must be a PEM-encoded, unencrypted private key.",
      'data.tls_key',
    );
  }
  if (!cert.checkPrivateKey(key)) {
    throw fieldError(400, "Secret data 'tls_key' is not the private key of 'tls_cert'.", 'data.tls_key');
  }
}

/** A registry host, optionally with a scheme, port and path, such as `us.icr.io` or `https://index.docker.io/v1/`. */
const REGISTRY_SERVER = /^(https?:\/\/)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?(\/\S*)?$/;

function checkRegistry(data: Data): void {
  if (!REGISTRY_SERVER.test(required(data, 'server'))) {
    throw fieldError(
      400,
      "Secret data 'server' must be a registry host name such as 'us.icr.io'.",
      'data.server',
    );
  }
  required(data, 'username');
  required(data, 'password');
  if (data.email !== undefined && !/^[^@\s]+@[^@\s]+$/.test(data.email)) {
    throw fieldError(400, "Secret data 'email' must be an email address.", 'data.email');
  }
}

/** Refuses data that does not fit the secret's format (the contract already checked the shape). */
export function checkSecretData(format: SecretFormat, data: Data | undefined): void {
  if (GENERATED_FORMATS.has(format)) {
    if (data !== undefined && Object.keys(data).length > 0) {
      throw fieldError(
        400,
        `Secrets of format '${format}' get their data from the service; do not send 'data'.`,
        'data',
      );
    }
    return;
  }
  const given = data ?? {};
  switch (format) {
    case 'ssh_auth':
      return checkSsh(given);
    case 'basic_auth':
      required(given, 'username');
      required(given, 'password');
      return;
    case 'hmac_auth':
      required(given, 'access_key_id');
      required(given, 'secret_access_key');
      return;
    case 'registry':
      return checkRegistry(given);
    case 'tls':
      return checkTls(given);
    default:
      return;
  }
}
