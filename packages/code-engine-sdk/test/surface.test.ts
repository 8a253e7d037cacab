// The generated CodeEngineV2 against IBM's Node SDK facts (tools/contract/reference/code-engine-v2-*.json):
// the same methods, parameter names, required parameters and pager classes, so code written for
// IBM's SDK compiles and runs against ours. Checked at run time through IBM-style parameter
// validation, which rejects before any request is sent.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CodeEngineV2, NoAuthAuthenticator } from '../src/index.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const reference = JSON.parse(
  fs.readFileSync(path.join(root, 'tools/contract/reference/code-engine-v2-operations.json'), 'utf8'),
) as any[];
// Nothing listens here: calls are refused by the parameter check, or fail to connect (no retries).
const service = new CodeEngineV2({
  authenticator: new NoAuthAuthenticator(),
  serviceUrl: 'http://127.0.0.1:9',
  retries: false,
});

const sdkParams = (op: any) =>
  [...op.pathParams, ...op.queryParams, ...op.headerParams, ...op.bodyParams].filter((p: any) => p.sdkName);

async function rejectionMessage(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as Error).message;
  }
  return 'resolved';
}

describe('CodeEngineV2 matches IBM Node SDK 6.0.x', () => {
  it('has every operation of the reference as a method, and no other', () => {
    const methods = Object.getOwnPropertyNames(CodeEngineV2.prototype).filter((m) => m !== 'constructor');
    expect(methods.sort()).toEqual(reference.map((op) => op.sdkMethod).sort());
    expect(reference).toHaveLength(67);
  });

  it('requires exactly the parameters IBM requires', async () => {
    for (const op of reference) {
      const required = sdkParams(op)
        .filter((p: any) => p.required)
        .map((p: any) => p.sdkName);
      const message = await rejectionMessage((service as any)[op.sdkMethod]({}));
      if (required.length)
        expect(message, op.sdkMethod).toBe(`Missing required parameters: ${required.join(', ')}`);
      else expect(message, op.sdkMethod).not.toMatch(/Missing required/);
    }
  });

  it('accepts every parameter name IBM uses', async () => {
    for (const op of reference) {
      const params = Object.fromEntries(sdkParams(op).map((p: any) => [p.sdkName, 'x']));
      const message = await rejectionMessage((service as any)[op.sdkMethod]({ ...params, notAParameter: 1 }));
      expect(message, op.sdkMethod).toBe('Found invalid parameters: notAParameter');
    }
  });

  it('has the pager classes of the reference, with hasNext/getNext/getAll and async iteration', () => {
    const pagers = reference.filter((op) => op.pager).map((op) => op.pager.class);
    expect(pagers).toHaveLength(15);
    expect(pagers).toContain('AllowedOutboundDestinationsPager');
    expect(pagers).toContain('PersistentDataStoresPager');
    for (const name of pagers) {
      const Pager = (CodeEngineV2 as any)[name];
      expect(typeof Pager, name).toBe('function');
      const pager = new Pager(service, { projectId: 'p' });
      expect(pager.hasNext()).toBe(true);
      for (const m of ['getNext', 'getAll', Symbol.asyncIterator]) expect(typeof pager[m]).toBe('function');
      expect(() => new Pager(service, { projectId: 'p', start: 'x' }), name).toThrow(/start/);
    }
    expect((CodeEngineV2 as any).AllowedOutboundDestinationPager).toBeUndefined();
    expect((CodeEngineV2 as any).PersistentDataStorePager).toBeUndefined();
  });

  it('has IBM-style enum constants', () => {
    expect(CodeEngineV2.AllowedOutboundDestination.Constants.Type.CIDR_BLOCK).toBe('cidr_block');
    expect(CodeEngineV2.AllowedOutboundDestination.Constants.Type.PRIVATE_PATH_SERVICE_GATEWAY).toBe(
      'private_path_service_gateway',
    );
    expect(CodeEngineV2.ListSecretsConstants.Format.SSH_AUTH).toBe('ssh_auth');
    expect(CodeEngineV2.DEFAULT_SERVICE_NAME).toBe('code_engine');
    expect(CodeEngineV2.DEFAULT_SERVICE_URL).toBe('https://api.au-syd.codeengine.cloud.ibm.com/v2');
  });
});

describe('the generator', () => {
  const generate = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        ['tools/codegen/generate.mjs', ...args],
        { cwd: root, env: { ...process.env, ...env } },
        (err, _out, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stderr }),
      ),
    );

  // Self-contained (a copy of the contracts in a temporary tree), so the result does not depend on
  // contract edits in progress in the working tree; the root `check` script runs --check on the tree itself.
  it(
    'writes both files, then --check passes on current files and names a stale one',
    { timeout: 180_000 },
    async () => {
      const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'codegen-check-'));
      try {
        for (const rel of ['spec', '.prettierrc.json'])
          fs.cpSync(path.join(root, rel), path.join(tree, rel), { recursive: true });
        const written = await generate([], { CODEGEN_ROOT: tree });
        expect(written.code).toBe(0);
        const stale = path.join(tree, 'packages/code-engine-sdk/src/generated/code-engine-v2.ts');
        expect(fs.readFileSync(stale, 'utf8')).toContain('class CodeEngineV2 extends BaseService');
        fs.appendFileSync(stale, '// edited by hand\n');
        const result = await generate(['--check'], { CODEGEN_ROOT: tree });
        expect(result.code).toBe(1);
        expect(result.stderr).toContain('packages/code-engine-sdk/src/generated/code-engine-v2.ts is stale');
        expect(result.stderr).not.toContain('common-core-v2.ts');
      } finally {
        fs.rmSync(tree, { recursive: true, force: true });
      }
    },
  );
});
