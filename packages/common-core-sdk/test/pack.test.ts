// Packs sdk-core and the common core SDK as npm would publish them, installs both tarballs into a
// scratch project in a temporary directory (offline: the tarballs need nothing from a registry),
// and uses the SDK from there with `import`, `require` and the TypeScript declarations against
// the real server.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers/server.ts';

const run = promisify(execFile);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');

let s: TestServer;
let tmp: string;
let app: string;

/** Copies what `npm pack` ships of a package (package.json, README, a built dist) and packs it. */
async function pack(pkg: string, dist: string): Promise<string> {
  const dir = path.join(tmp, `pkg-${pkg}`);
  fs.mkdirSync(dir);
  for (const f of ['package.json', 'README.md'])
    fs.copyFileSync(path.join(root, 'packages', pkg, f), path.join(dir, f));
  fs.cpSync(dist, path.join(dir, 'dist'), { recursive: true });
  const { stdout } = await run(npm, ['pack', '--json', '--pack-destination', tmp], { cwd: dir });
  const [info] = JSON.parse(stdout);
  expect(info.files.map((f: { path: string }) => f.path)).toContain('dist/cjs/index.js');
  return path.join(tmp, info.filename);
}

beforeAll(async () => {
  s = await startTestServer();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'sdk-pack-'));
  // Builds into the temporary directory: the working tree's dist/ is left alone.
  const coreDist = path.join(tmp, 'core-dist');
  const ccDist = path.join(tmp, 'cc-dist');
  await run(process.execPath, ['scripts/build.mjs', coreDist], { cwd: path.join(root, 'packages/sdk-core') });
  await run(process.execPath, [path.join(root, 'tools/codegen/build-sdk.mjs'), ccDist], {
    cwd: path.join(root, 'packages/common-core-sdk'),
    env: { ...process.env, SDK_CORE_TYPES: path.join(coreDist, 'esm/index.d.ts') },
  });
  const coreTgz = await pack('sdk-core', coreDist);
  const ccTgz = await pack('common-core-sdk', ccDist);

  app = path.join(tmp, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'scratch', private: true }));
  await run(npm, ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', coreTgz, ccTgz], {
    cwd: app,
  });
}, 600_000);

afterAll(async () => {
  await s?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

const USE = `
  const service = new CommonCoreV2({
    authenticator: new IamAuthenticator({ apikey: process.env.CC_APIKEY, url: process.env.CC_URL }),
    serviceUrl: process.env.CC_URL,
  });
  const created = await service.transactionalPostProject({ name: 'packed ' + process.argv[2], generator: 'pack-test' });
  const id = created.result.location.split('/').pop();
  const got = await service.getProject({ projectId: id });
  const names = [];
  for await (const p of new CommonCoreV2.ProjectsPager(service, { limit: 1 })) names.push(p.entity.name);
  let missing;
  try {
    await service.getProject({ projectId: '00000000-0000-4000-8000-000000000000' });
  } catch (err) {
    missing = { notFound: err instanceof NotFoundError, status: err.status };
  }
  console.log(JSON.stringify({ created: created.status, name: got.result.entity.name, names, missing,
    role: CommonCoreV2.ProjectMember.Constants.Role.ADMIN, waiter: typeof waitForSpaceActive }));
`;

async function runScript(file: string, tag: string) {
  const { stdout } = await run(process.execPath, [file, tag], {
    cwd: app,
    env: { ...process.env, CC_URL: s.url, CC_APIKEY: s.adminKey },
  });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

describe('the packed common core SDK in a scratch project', () => {
  it('installs sdk-core as the SDK dependency from its tarball', () => {
    const installed = JSON.parse(
      fs.readFileSync(path.join(app, 'node_modules/@local/common-core-sdk/package.json'), 'utf8'),
    );
    expect(installed.dependencies).toEqual({ '@local/sdk-core': '0.1.0' });
    expect(fs.existsSync(path.join(app, 'node_modules/@local/sdk-core/dist/esm/index.js'))).toBe(true);
    // One bundled module per format, which imports sdk-core by package name (one copy of its
    // classes in a program), never by a path into the repository.
    const dist = path.join(app, 'node_modules/@local/common-core-sdk/dist');
    const js = (dir: string) => fs.readdirSync(path.join(dist, dir)).filter((f) => f.endsWith('.js'));
    expect(js('esm')).toEqual(['index.js']);
    expect(js('cjs')).toEqual(['index.js']);
    const esm = fs.readFileSync(path.join(dist, 'esm/index.js'), 'utf8');
    const cjs = fs.readFileSync(path.join(dist, 'cjs/index.js'), 'utf8');
    expect(esm).toMatch(/export\s*\*\s*from\s*"@local\/sdk-core"/);
    expect(cjs).toContain('require("@local/sdk-core")');
    for (const code of [esm, cjs]) expect(code).not.toMatch(/sdk-core\/src|\.\.\/core/);
  });

  it('works with import (ESM)', { timeout: 60_000 }, async () => {
    const file = path.join(app, 'use.mjs');
    fs.writeFileSync(
      file,
      `import { CommonCoreV2, IamAuthenticator, NotFoundError, waitForSpaceActive } from '@local/common-core-sdk';\n${USE}`,
    );
    const out = await runScript(file, 'esm');
    expect(out).toMatchObject({
      created: 201,
      name: 'packed esm',
      missing: { notFound: true, status: 404 },
      role: 'admin',
      waiter: 'function',
    });
    expect(out.names).toContain('packed esm');
  });

  it('works with require (CommonJS)', { timeout: 60_000 }, async () => {
    const file = path.join(app, 'use.cjs');
    fs.writeFileSync(
      file,
      `const { CommonCoreV2, IamAuthenticator, NotFoundError, waitForSpaceActive } = require('@local/common-core-sdk');\n(async () => {${USE}})().catch((e) => { console.error(e); process.exit(1); });`,
    );
    const out = await runScript(file, 'cjs');
    expect(out).toMatchObject({ created: 201, name: 'packed cjs', missing: { notFound: true, status: 404 } });
    expect(out.names).toEqual(expect.arrayContaining(['packed esm', 'packed cjs']));
  });

  it(
    'type-checks a TypeScript consumer against the installed declarations',
    { timeout: 120_000 },
    async () => {
      fs.writeFileSync(
        path.join(app, 'use.ts'),
        [
          "import { CommonCoreV2, IamAuthenticator, type ApiError } from '@local/common-core-sdk';",
          "const service = new CommonCoreV2({ authenticator: new IamAuthenticator({ apikey: 'k' }), serviceUrl: 'http://x' });",
          'export async function names(): Promise<string[]> {',
          '  const out: string[] = [];',
          '  for await (const p of new CommonCoreV2.ProjectsPager(service, { limit: 5 })) out.push(p.entity?.name ?? "");',
          "  const space: CommonCoreV2.Response<CommonCoreV2.Space> = await service.getSpace({ spaceId: 's' });",
          '  out.push(space.result.entity?.name ?? "");',
          '  return out;',
          '}',
          'export const isApiError = (e: unknown): e is ApiError => !!e;',
          '// @ts-expect-error spaceId is required',
          'export const wrong = service.getSpace({});',
        ].join('\n'),
      );
      fs.writeFileSync(
        path.join(app, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            module: 'nodenext',
            moduleResolution: 'nodenext',
            target: 'es2022',
            strict: true,
            noEmit: true,
            typeRoots: [path.join(root, 'node_modules/@types')],
            types: ['node'],
          },
          files: ['use.ts'],
        }),
      );
      const result = await run(process.execPath, [tsc, '-p', app]).then(
        () => ({ code: 0, out: '' }),
        (err) => ({ code: err.code, out: String(err.stdout) + String(err.stderr) }),
      );
      expect(result.out).toBe('');
      expect(result.code).toBe(0);
    },
  );
});
