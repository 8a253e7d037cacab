import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.ts';
import { createWorld, expectPlatformError, type Container, type World } from './helpers.ts';

let s: TestServer;
let w: World;
let c: Container;

/** What the model knows of an asset. */
interface ModelAsset {
  asset_id: string;
  asset_type: string;
  name: string;
  description: string;
  tags: string[];
  owner_id: string;
  creator_id: string;
  asset_state: string;
}
const model: ModelAsset[] = [];

const WORDS = ['alpha', 'Beta', 'gamma', 'DELTA', 'Émile', 'zoë', 'sales', 'q3'];
const TAGS = ['pii', 'PII', 'finance', 'Gold', 'raw'];
const TYPES = ['data_asset', 'notebook', 'job'];

beforeAll(async () => {
  s = await startTestServer();
  w = await createWorld(s);
  c = w.containers.project;
  const rows = fc.sample(
    fc.record({
      name: fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 3 }).map((ws) => ws.join(' ')),
      description: fc.array(fc.constantFrom(...WORDS), { maxLength: 3 }).map((ws) => ws.join(' ')),
      tags: fc.uniqueArray(fc.constantFrom(...TAGS), { maxLength: 3 }),
      asset_type: fc.constantFrom(...TYPES),
      byEditor: fc.boolean(),
    }),
    { numRuns: 40, seed: 7 },
  );
  for (const r of rows) {
    const user = r.byEditor ? w.editor : w.admin;
    const res = await s.call('POST', `/v2/assets?${c.q}`, {
      token: user.token,
      body: {
        metadata: { name: r.name, description: r.description, tags: r.tags, asset_type: r.asset_type },
      },
    });
    expect(res.status, res.text).toBe(201);
    const md = res.body.metadata;
    model.push({
      asset_id: md.asset_id,
      asset_type: md.asset_type,
      name: md.name,
      description: md.description,
      tags: md.tags,
      owner_id: md.owner_id,
      creator_id: md.creator_id,
      asset_state: md.asset_state,
    });
  }
});
afterAll(async () => s?.close());

// ---------------------------------------------------------------- the model of the query language

type Field = 'name' | 'description' | 'tags' | 'asset_type' | 'owner_id' | 'creator_id' | 'asset_state';
type Q =
  | { kind: 'all' }
  | { kind: 'term'; field: Field; value: string }
  | { kind: 'and' | 'or'; nodes: Q[] }
  | { kind: 'not'; node: Q };

const foldAscii = (v: string) => v.replace(/[A-Z]/g, (ch) => ch.toLowerCase());
function pattern(value: string): string {
  return [...value]
    .map((ch) =>
      ch === '*' ? '[\\s\\S]*' : ch === '?' ? '[\\s\\S]' : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
}
function matches(a: ModelAsset, q: Q): boolean {
  switch (q.kind) {
    case 'all':
      return true;
    case 'and':
      return q.nodes.every((n) => matches(a, n));
    case 'or':
      return q.nodes.some((n) => matches(a, n));
    case 'not':
      return !matches(a, q.node);
    case 'term': {
      if (q.field === 'name' || q.field === 'description') {
        return new RegExp(`(^| )${pattern(q.value.toLowerCase())}( |$)`, 'u').test(a[q.field].toLowerCase());
      }
      if (q.field === 'tags') {
        const re = new RegExp(`^${pattern(q.value.toLowerCase())}$`, 'u');
        return a.tags.some((t) => re.test(t.toLowerCase()));
      }
      return new RegExp(`^${pattern(foldAscii(q.value))}$`, 'u').test(foldAscii(a[q.field]));
    }
  }
}
function print(q: Q): string {
  switch (q.kind) {
    case 'all':
      return '*:*';
    case 'term': {
      const v = /\s/.test(q.value) ? `"${q.value}"` : q.value;
      return `asset.${q.field}:${v}`;
    }
    case 'not':
      return `NOT ${print(q.node)}`;
    default:
      return `(${q.nodes.map(print).join(q.kind === 'and' ? ' AND ' : ' OR ')})`;
  }
}

const wordValue = fc
  .tuple(
    fc.constantFrom(...WORDS, 'alp', 'ta', 'mile', 'missing'),
    fc.constantFrom('', '*', '?'),
    fc.boolean(),
  )
  .map(([word, wild, upper]) => {
    const v = upper ? word.toUpperCase() : word;
    return wild === '*' ? v + '*' : wild === '?' ? v.slice(0, -1) + '?' : v;
  });
const phraseValue = fc
  .array(fc.constantFrom(...WORDS), { minLength: 2, maxLength: 2 })
  .map((ws) => ws.join(' '));

const term: fc.Arbitrary<Q> = fc.oneof(
  fc.record({
    kind: fc.constant('term' as const),
    field: fc.constantFrom('name', 'description') as fc.Arbitrary<Field>,
    value: fc.oneof(wordValue, phraseValue),
  }),
  fc.record({
    kind: fc.constant('term' as const),
    field: fc.constant('tags' as Field),
    value: fc.constantFrom(...TAGS, 'fin*', '*i*', 'gold', 'none'),
  }),
  fc.record({
    kind: fc.constant('term' as const),
    field: fc.constant('asset_type' as Field),
    value: fc.constantFrom(...TYPES, 'NOTEBOOK', 'data_*', 'jo?'),
  }),
  fc.constant({ kind: 'all' } as Q),
);
const query: fc.Arbitrary<Q> = fc.letrec<{ q: Q }>((tie) => ({
  q: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    term,
    fc.record({
      kind: fc.constantFrom('and' as const, 'or' as const),
      nodes: fc.array(tie('q'), { minLength: 2, maxLength: 3 }),
    }),
    fc.record({ kind: fc.constant('not' as const), node: tie('q') }),
  ),
})).q;

async function searchAll(type: string, text: string, limit: number) {
  const ids: string[] = [];
  let body: any = { query: text, limit };
  let total = -1;
  for (let guard = 0; guard < 100; guard++) {
    const res = await s.call('POST', `/v2/asset_types/${type}/search?${c.q}`, {
      token: w.viewer.token,
      body,
    });
    expect(res.status, `${text}: ${res.text}`).toBe(200);
    expect(res.body.results.length).toBeLessThanOrEqual(limit);
    if (total >= 0) expect(res.body.total_rows).toBe(total);
    total = res.body.total_rows;
    ids.push(...res.body.results.map((r: any) => r.metadata.asset_id));
    if (!res.body.next) break;
    expect(res.body.next).toMatchObject({ query: text, limit });
    body = res.body.next;
  }
  return { ids, total };
}

describe('POST /v2/asset_types/{type_name}/search', () => {
  it('agrees with a model of the query language (property)', async () => {
    // queries that select some but not all assets: the ones that tell matching apart
    let discriminating = 0;
    await fc.assert(
      fc.asyncProperty(
        query,
        fc.integer({ min: 1, max: 9 }),
        fc.constantFrom('asset', ...TYPES),
        async (q, limit, type) => {
          const text = print(q);
          const expected = model
            .filter((a) => (type === 'asset' || a.asset_type === type) && matches(a, q))
            .map((a) => a.asset_id);
          const got = await searchAll(type, text, limit);
          if (expected.length > 0 && expected.length < model.length) discriminating++;
          expect(got.ids, text).toEqual(expected);
          expect(got.total, text).toBe(expected.length);
        },
      ),
      { numRuns: 60, seed: 20261125 },
    );
    expect(discriminating).toBeGreaterThan(20);
  }, 120_000);

  it('answers the documented shape: results with metadata and entity, next with a bookmark', async () => {
    const res = await s.call('POST', `/v2/asset_types/asset/search?${c.q}`, {
      token: w.viewer.token,
      body: { query: '*:*', limit: 2 },
    });
    expect(res.status).toBe(200);
    expect(res.body.total_rows).toBe(model.length);
    expect(res.body.results[0]).toMatchObject({
      metadata: { asset_id: model[0].asset_id, project_id: c.id },
      entity: {},
      href: `/v2/assets/${model[0].asset_id}?${c.q}`,
    });
    expect(res.body.next).toEqual({ query: '*:*', limit: 2, bookmark: expect.any(String) });
    const bare = await s.call('POST', `/v2/asset_types/asset/search?${c.q}`, {
      token: w.viewer.token,
      body: { query: '*:*', limit: 1, include: 'none' },
    });
    expect(bare.body.results[0].entity).toBeUndefined();
  });

  it('matches non-ASCII text case-insensitively, and words or the whole value', async () => {
    const one = async (q: string) => (await searchAll('asset', q, 50)).ids.sort();
    const byModel = (pred: (a: ModelAsset) => boolean) =>
      model
        .filter(pred)
        .map((a) => a.asset_id)
        .sort();
    expect(await one('asset.name:ÉMILE')).toEqual(
      byModel((a) => a.name.toLowerCase().split(' ').includes('émile')),
    );
    expect(await one('asset.tags:pii')).toEqual(
      byModel((a) => a.tags.some((t) => t.toLowerCase() === 'pii')),
    );
    expect(await one(`asset.owner_id:${w.editor.iam_id}`)).toEqual(
      byModel((a) => a.owner_id === w.editor.iam_id),
    );
    expect(await one('asset.asset_state:available')).toHaveLength(model.length);
  });

  it('refuses malformed queries (400) with the query named', async () => {
    for (const q of [
      'asset.name',
      'name:x',
      'foo:bar',
      '(asset.name:x',
      'asset.name:x)',
      'asset.name:"open',
      'asset.name:',
      'AND',
      'asset.name:x AND',
      'NOT',
      '   ',
      Array.from({ length: 65 }, () => 'asset.name:x').join(' OR '),
      '('.repeat(20) + 'asset.name:x' + ')'.repeat(20),
    ]) {
      const res = await s.call('POST', `/v2/asset_types/asset/search?${c.q}`, {
        token: w.viewer.token,
        body: { query: q },
      });
      expectPlatformError(res, 400);
      expect(res.body.errors[0].parameters, q).toContain('query');
    }
    for (const body of [{}, { query: '' }, { query: '*:*', limit: 0 }, { query: '*:*', limit: 201 }]) {
      expectPlatformError(
        await s.call('POST', `/v2/asset_types/asset/search?${c.q}`, { token: w.viewer.token, body }),
        400,
      );
    }
  });

  it('refuses a bookmark of another query, type or container (400)', async () => {
    const first = await s.call('POST', `/v2/asset_types/asset/search?${c.q}`, {
      token: w.viewer.token,
      body: { query: '*:*', limit: 1 },
    });
    const bookmark = first.body.next.bookmark;
    for (const [type, q, container] of [
      ['asset', 'asset.name:alpha', c.q],
      ['notebook', '*:*', c.q],
      ['asset', '*:*', w.containers.space.q],
    ]) {
      const res = await s.call('POST', `/v2/asset_types/${type}/search?${container}`, {
        token: w.admin.token,
        body: { query: q, bookmark },
      });
      expectPlatformError(res, 400);
    }
    expectPlatformError(
      await s.call('POST', `/v2/asset_types/asset/search?${c.q}`, {
        token: w.viewer.token,
        body: { query: '*:*', bookmark: 'garbage' },
      }),
      400,
    );
  });

  it('is for members (403 otherwise), needs a container that exists (404) and a token (401)', async () => {
    const body = { query: '*:*' };
    expectPlatformError(
      await s.call('POST', `/v2/asset_types/asset/search?${c.q}`, { token: w.outsider.token, body }),
      403,
    );
    expectPlatformError(
      await s.call('POST', `/v2/asset_types/asset/search?catalog_id=00000000-0000-4000-8000-000000000000`, {
        token: w.admin.token,
        body,
      }),
      404,
    );
    expectPlatformError(
      await s.call('POST', `/v2/asset_types/asset/search?${c.q}`, { token: null, body }),
      401,
    );
    const empty = await s.call('POST', `/v2/asset_types/asset/search?${w.containers.catalog.q}`, {
      token: w.viewer.token,
      body,
    });
    expect(empty.body).toEqual({ total_rows: 0, results: [] });
  });
});
