// Every CommonCoreV2 method must be called through the SDK by some test against the real server.
// The SDK tests are spread over the API areas (test/<area>/sdk.test.ts and this package's tests), so
// this reads them (and the demo the suite runs): a method counts when a test calls it (`.method(`) or
// uses the pager that calls it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const generated = fs.readFileSync(
  path.join(root, 'packages/common-core-sdk/src/generated/common-core-v2.ts'),
  'utf8',
);

function testSources(): string {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) files.push(p);
    }
  };
  walk(path.join(root, 'test'));
  walk(path.join(root, 'packages/common-core-sdk/test'));
  walk(path.join(root, 'examples')); // the demo, which test/platform/demo.test.ts runs
  return files
    .filter((f) => f !== fileURLToPath(import.meta.url))
    .map((f) => fs.readFileSync(f, 'utf8'))
    .join('\n');
}

describe('CommonCoreV2 operations in the test suite', () => {
  it('calls every method through the SDK', () => {
    const methods = [...generated.matchAll(/^ {2}public (\w+)\(/gm)].map((m) => m[1]);
    expect(methods.length).toBeGreaterThanOrEqual(123);
    // Pager class → the list method it calls.
    const pagers = new Map(
      [...generated.matchAll(/export class (\w+Pager) extends Pager<[\s\S]*?client\.(\w+)\(p\)/g)].map(
        (m) => [m[1], m[2]],
      ),
    );
    const text = testSources();
    const called = new Set(methods.filter((m) => new RegExp(`\\.${m}\\(`).test(text)));
    for (const [pager, method] of pagers) if (new RegExp(`\\b${pager}\\b`).test(text)) called.add(method);
    expect(methods.filter((m) => !called.has(m))).toEqual([]);
  });
});
