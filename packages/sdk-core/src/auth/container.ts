import { Authenticator } from './authenticator.ts';
import {
  IamRequestBasedAuthenticator,
  IamRequestBasedTokenManager,
  checkClientPair,
  type IamRequestOptions,
} from './iam.ts';

/** Where a compute resource token is looked for when no file name is given, in this order. */
export const DEFAULT_CR_TOKEN_FILENAMES = [
  '/var/run/secrets/tokens/vault-token',
  '/var/run/secrets/tokens/sa-token',
  '/var/run/secrets/codeengine.cloud.ibm.com/compute-resource-token/token',
];

export interface ContainerOptions extends IamRequestOptions {
  crTokenFilename?: string;
  iamProfileName?: string;
  iamProfileId?: string;
}

async function readCrToken(filename: string | undefined): Promise<string> {
  const fs = globalThis.process?.getBuiltinModule?.('node:fs');
  if (!fs) throw new Error('Error reading CR token file: no file system in this runtime');
  const candidates = filename ? [filename] : DEFAULT_CR_TOKEN_FILENAMES;
  let last: unknown;
  for (const name of candidates) {
    try {
      const token = (await fs.promises.readFile(name, 'utf8')).trim();
      if (token) return token;
      last = new Error(`${name} is empty`);
    } catch (err) {
      last = err;
    }
  }
  throw new Error(`Error reading CR token file: ${(last as Error)?.message}`);
}

/** IAM's compute resource token grant: the token file is read again for every token request. */
export class ContainerTokenManager extends IamRequestBasedTokenManager {
  private crTokenFilename?: string;
  private iamProfileName?: string;
  private iamProfileId?: string;

  constructor(options: ContainerOptions) {
    super(options);
    this.crTokenFilename = options.crTokenFilename;
    this.iamProfileName = options.iamProfileName;
    this.iamProfileId = options.iamProfileId;
  }

  setCrTokenFilename(name: string): void {
    this.crTokenFilename = name;
  }
  setIamProfileName(name: string): void {
    this.iamProfileName = name;
  }
  setIamProfileId(id: string): void {
    this.iamProfileId = id;
  }

  protected override async formFields(): Promise<Record<string, string>> {
    const fields: Record<string, string> = {
      grant_type: 'urn:ibm:params:oauth:grant-type:cr-token',
      cr_token: await readCrToken(this.crTokenFilename),
    };
    if (this.iamProfileName) fields.profile_name = this.iamProfileName;
    if (this.iamProfileId) fields.profile_id = this.iamProfileId;
    return fields;
  }
}

/** Authenticates a workload (Code Engine, Kubernetes) by its compute resource token and a trusted profile. */
export class ContainerAuthenticator extends IamRequestBasedAuthenticator<ContainerTokenManager> {
  protected tokenManager: ContainerTokenManager;

  constructor(options: ContainerOptions) {
    super();
    if (!options?.iamProfileName && !options?.iamProfileId)
      throw new Error('At least one of iamProfileName or iamProfileId must be specified.');
    checkClientPair(options);
    this.tokenManager = new ContainerTokenManager(options);
  }

  setCrTokenFilename(name: string): void {
    this.tokenManager.setCrTokenFilename(name);
  }
  setIamProfileName(name: string): void {
    this.tokenManager.setIamProfileName(name);
  }
  setIamProfileId(id: string): void {
    this.tokenManager.setIamProfileId(id);
  }

  authenticationType(): string {
    return Authenticator.AUTHTYPE_CONTAINER;
  }
}
