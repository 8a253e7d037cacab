// Lints the Code Engine v2 contract with Redocly CLI (rules: redocly.yaml at the repo root).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

interface LintProblem {
  ruleId: string;
  severity: string;
  message: string;
  location?: { pointer?: string }[];
}

describe('spec/code-engine-v2.openapi.json', () => {
  it('passes redocly lint without errors', () => {
    const run = spawnSync(
      'npx',
      ['--no-install', 'redocly', 'lint', 'spec/code-engine-v2.openapi.json', '--format=json'],
      { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    const start = run.stdout.indexOf('{');
    expect(start, `redocly printed no JSON report:\n${run.stdout}\n${run.stderr}`).toBeGreaterThanOrEqual(0);
    const report = JSON.parse(run.stdout.slice(start)) as {
      totals: { errors: number; warnings: number };
      problems: LintProblem[];
    };
    const errors = report.problems
      .filter((p) => p.severity === 'error')
      .map((p) => `${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer ?? '?'}`);
    expect(errors).toEqual([]);
    expect(report.totals.errors).toBe(0);
    // the only warnings allowed: models no operation references (IndexDetails is unreferenced in the
    // reference; StorageData is replaced by its one variant, object storage)
    const warnings = report.problems
      .filter((p) => p.severity !== 'error')
      .map((p) => `${p.ruleId} ${p.location?.[0]?.pointer ?? '?'}`)
      .sort();
    expect(warnings).toEqual([
      'no-unused-components #/components/schemas/IndexDetails',
      'no-unused-components #/components/schemas/StorageData',
    ]);
    expect(run.status).toBe(0);
  }, 120_000);
});
