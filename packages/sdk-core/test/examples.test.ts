import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers/server.ts';
import { main } from '../examples/projects.ts';

describe('README example against our server', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s.close());

  it('lists projects through a pager and reads a 404', async () => {
    const created = ['Example A', 'Example B', 'Example C'];
    for (const name of created) {
      const res = await s.call('POST', '/transactional/v2/projects', {
        body: { name, generator: 'sdk-core-tests' },
      });
      expect(res.status).toBe(201);
    }
    const { names, missing } = await main(s.url, s.adminKey, 2); // two pages
    expect(names.sort()).toEqual(created);
    expect(missing).toMatch(/^404 /);
  });
});
