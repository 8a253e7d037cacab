import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startScriptedServer, type ScriptedServer } from './helpers/scripted-server.ts';

const source = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(fs.readFileSync(path.join(source, 'package.json'), 'utf8'));
// Built into a copy of the package, so that a concurrent run never sees a half-written dist/.
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sdk-core-build-'));

describe('build', () => {
  let server: ScriptedServer;
  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build.mjs', path.join(root, 'dist')], {
      cwd: source,
      stdio: 'pipe',
    });
    fs.copyFileSync(path.join(source, 'package.json'), path.join(root, 'package.json'));
    server = await startScriptedServer((_req, res) => json(res, 404, { code: 'X9', message: 'gone' }));
  }, 120_000);
  afterAll(async () => {
    await server.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('emits ESM and CommonJS with declarations, as package.json exports them', () => {
    expect(pkg.type).toBe('module');
    expect(pkg.dependencies ?? {}).toEqual({});
    const dot = pkg.exports['.'];
    for (const file of [dot.import.default, dot.import.types, dot.require.default, dot.require.types])
      expect(fs.existsSync(path.join(root, file)), file).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(root, 'dist/cjs/package.json'), 'utf8'))).toEqual({
      type: 'commonjs',
    });
    expect(fs.readFileSync(path.join(root, 'dist/esm/index.d.ts'), 'utf8')).toContain('IamAuthenticator');
  });

  it('the CommonJS build loads with require() and sends requests', async () => {
    const sdk: typeof import('../src/index.ts') = createRequire(path.join(root, 'package.json'))(
      '@local/sdk-core',
    );
    class Svc extends sdk.BaseService {
      get(url: string) {
        return this.createRequest({ options: { url, method: 'GET' } });
      }
    }
    const svc = new Svc({
      authenticator: new sdk.BearerTokenAuthenticator({ bearerToken: 't' }),
      serviceUrl: server.url,
    });
    const err = await svc.get('/x').catch((e: any) => e);
    expect(err).toBeInstanceOf(sdk.NotFoundError);
    expect(err.codes).toEqual(['X9']);
  });

  it('the ESM build loads with import()', async () => {
    const sdk = await import(pathToFileURL(path.join(root, pkg.exports['.'].import.default)).href);
    expect(typeof sdk.getAuthenticatorFromEnvironment).toBe('function');
    expect(new sdk.NoAuthAuthenticator().authenticationType()).toBe('noAuth');
  });
});
