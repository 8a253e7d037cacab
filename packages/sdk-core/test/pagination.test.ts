import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NoAuthAuthenticator,
  Pager,
  bookmarkScheme,
  createPager,
  logPageScheme,
  nextHrefStartScheme,
  nextTokenScheme,
  offsetLimitScheme,
  startFromHref,
} from '../src/index.ts';
import { json, startScriptedServer, type ScriptedServer } from './helpers/scripted-server.ts';
import { TestService } from './helpers/test-service.ts';

let server: ScriptedServer;
let service: TestService;
beforeAll(async () => {
  server = await startScriptedServer();
  service = new TestService({ authenticator: new NoAuthAuthenticator(), serviceUrl: server.url });
});
afterAll(() => server.close());

const TOTAL = 25;
const ids = Array.from({ length: TOTAL }, (_, i) => `id-${i}`);
const list = (params: Record<string, unknown>) => service.get('/items', { qs: params });

/** Serves `ids` in pages, with the next-page pointer written by `page`. */
function serve(
  page: (start: number, limit: number, q: URLSearchParams) => Record<string, unknown>,
  tokenParam: string,
) {
  server.requests.length = 0;
  server.handle((req, res) => {
    const q = new URL(req.url!, 'http://x').searchParams;
    const limit = Number(q.get('limit') ?? 10);
    const start = Number(q.get(tokenParam) ?? 0);
    json(res, 200, page(start, limit, q));
  });
}
const slice = (start: number, limit: number) => ids.slice(start, start + limit);
const after = (start: number, limit: number) => (start + limit < TOTAL ? start + limit : undefined);

describe('pagination schemes', () => {
  it('bookmark (projects)', async () => {
    serve(
      (s, l) => ({ resources: slice(s, l), total_results: TOTAL, bookmark: after(s, l)?.toString() }),
      'bookmark',
    );
    const pager = createPager<string, any>(list, { limit: 10 }, 'resources', bookmarkScheme);
    expect(pager.hasNext()).toBe(true);
    expect(await pager.getNext()).toEqual(ids.slice(0, 10));
    expect(await pager.getAll()).toEqual(ids.slice(10));
    expect(pager.hasNext()).toBe(false);
    await expect(pager.getNext()).rejects.toThrow(/No more results/);
    expect(server.requests.map((r) => r.url)).toEqual([
      '/items?limit=10',
      '/items?limit=10&bookmark=10',
      '/items?limit=10&bookmark=20',
    ]);
  });

  it('start from next.href (spaces, exports, connections, Code Engine)', async () => {
    serve((s, l) => {
      const n = after(s, l);
      return {
        resources: slice(s, l),
        first: { href: `${server.url}/items?limit=${l}` },
        ...(n ? { next: { href: `${server.url}/items?limit=${l}&start=${n}` } } : {}),
      };
    }, 'start');
    const all: string[] = [];
    for await (const id of createPager<string, any>(list, { limit: 7 }, 'resources', nextHrefStartScheme))
      all.push(id);
    expect(all).toEqual(ids);
    expect(server.requests).toHaveLength(4);
    expect(startFromHref('/v2/spaces?limit=2&start=g1AAAA%3D%3D')).toBe('g1AAAA==');
  });

  it('next token field (jobs)', async () => {
    serve((s, l) => ({ results: slice(s, l), total_rows: TOTAL, next: after(s, l)?.toString() }), 'next');
    const pager = createPager<string, any>(list, { limit: 10 }, 'results', nextTokenScheme);
    expect(await pager.getAll()).toEqual(ids);
    expect(server.requests.at(-1)!.url).toBe('/items?limit=10&next=20');
  });

  it('offset and limit (datasource types, discovery), with and without a total', async () => {
    serve((s, l) => ({ datasource_types: slice(s, l), total_count: TOTAL }), 'offset');
    const withTotal = createPager<string, any>(list, { limit: 10 }, 'datasource_types', offsetLimitScheme());
    expect(await withTotal.getAll()).toEqual(ids);
    expect(server.requests.map((r) => r.url)).toEqual([
      '/items?limit=10',
      '/items?limit=10&offset=10',
      '/items?limit=10&offset=20',
    ]);

    serve((s, l) => ({ assets: slice(s, l) }), 'offset');
    const withoutTotal = createPager<string, any>(list, { limit: 5 }, 'assets', offsetLimitScheme());
    expect(await withoutTotal.getAll()).toEqual(ids);
    expect(server.requests).toHaveLength(6); // the last page is empty: only then is the end known
  });

  it('log pages', async () => {
    serve(
      (s, l) => ({
        results: slice(s, l).map((id) => `line ${id}`),
        total_count: TOTAL,
        next: after(s, l)?.toString(),
      }),
      'next',
    );
    const lines = await createPager<string, any>(list, { limit: 20 }, 'results', logPageScheme).getAll();
    expect(lines).toHaveLength(TOTAL);
    expect(lines[0]).toBe('line id-0');
    serve((s) => ({ results: slice(s, 1000).map((id) => `line ${id}`), total_count: TOTAL }), 'next');
    expect(await createPager<string, any>(list, {}, 'results', logPageScheme).getAll()).toHaveLength(TOTAL);
    expect(server.requests).toHaveLength(1);
  });

  it('stops on a token that does not move, and refuses a token the caller set', async () => {
    serve(() => ({ resources: ['x'], bookmark: 'same' }), 'bookmark');
    const pager = createPager<string, any>(list, {}, 'resources', bookmarkScheme);
    expect(await pager.getAll()).toEqual(['x', 'x']);
    expect(() => createPager(list, { bookmark: 'b' }, 'resources', bookmarkScheme)).toThrow(
      /managed by the pager/,
    );
  });

  it('a Pager can be built from any page function and iterated page by page', async () => {
    const pager = new Pager<number>(async (token) => {
      const n = Number(token ?? 0);
      return { items: [n, n + 1], next: n < 4 ? n + 2 : undefined };
    });
    const pages: number[][] = [];
    for await (const page of pager.pages()) pages.push(page);
    expect(pages).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
  });
});

describe('memory', () => {
  it('stays flat while iterating over 100,000 items from a real server', async () => {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const ITEMS = 100_000;
    const PAGE = 200;
    const padding = 'x'.repeat(1000);
    server.handle((req, res) => {
      const start = Number(new URL(req.url!, 'http://x').searchParams.get('start') ?? 0);
      const items = Array.from({ length: Math.min(PAGE, ITEMS - start) }, (_, i) => ({
        id: start + i,
        padding,
      }));
      const next = start + PAGE < ITEMS ? { href: `/items?limit=${PAGE}&start=${start + PAGE}` } : undefined;
      json(res, 200, { resources: items, next });
    });
    gc();
    const before = process.memoryUsage().heapUsed;
    let count = 0;
    let sum = 0;
    let peak = 0;
    for await (const item of createPager<{ id: number }, any>(
      list,
      { limit: PAGE },
      'resources',
      nextHrefStartScheme,
    )) {
      count++;
      sum += item.id;
      if (count % 10_000 === 0) {
        gc();
        peak = Math.max(peak, process.memoryUsage().heapUsed - before);
      }
    }
    expect(count).toBe(ITEMS);
    expect(sum).toBe((ITEMS * (ITEMS - 1)) / 2);
    // Holding every item would take over 100 MB; one page is about 200 kB.
    if (process.env.SDK_CORE_VERBOSE)
      console.log(`heap growth while paging: ${(peak / 1048576).toFixed(1)} MB`);
    expect(peak).toBeLessThan(20 * 1024 * 1024);
  }, 120_000);
});
