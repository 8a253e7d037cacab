import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiError,
  BadRequestError,
  BasicAuthenticator,
  BearerTokenAuthenticator,
  CloudPakForDataAuthenticator,
  ConflictError,
  ConnectionError,
  IamAuthenticator,
  NoAuthAuthenticator,
  TimeoutError,
  ForbiddenError,
  InternalServerError,
  NotFoundError,
  RateLimitError,
  UnauthorizedError,
  errorFromResponse,
  parseErrorBody,
  redact,
} from '../src/index.ts';
import { json, startScriptedServer, type ScriptedServer } from './helpers/scripted-server.ts';
import { TestService } from './helpers/test-service.ts';

/** Every error body format our APIs answer with, and what must be read from it. */
const FORMATS: [string, unknown, { message: string; codes: string[]; trace?: string }][] = [
  [
    'projects',
    { code: '404', error: 'Not Found', reason: 'Project abc was not found.', message: 'Not Found' },
    { message: 'Project abc was not found.', codes: ['404'] },
  ],
  [
    'transactional',
    {
      code: '409',
      error: 'Conflict',
      reason: 'Name taken.',
      message: 'Conflict',
      description: '[409] Name taken.',
    },
    { message: 'Name taken.', codes: ['409'] },
  ],
  [
    'spaces',
    { trace: 't-1', errors: [{ code: 'SPACES0007E', message: 'Space x not found', parameters: ['x'] }] },
    { message: 'Space x not found', codes: ['SPACES0007E'], trace: 't-1' },
  ],
  [
    'connections',
    {
      trace: 't-2',
      errors: [
        { code: 'missing_property', message: 'name is required', more_info: 'https://x', extra: {} },
        { code: 'invalid_type', message: 'port must be a number' },
      ],
    },
    {
      message: 'name is required; port must be a number',
      codes: ['missing_property', 'invalid_type'],
      trace: 't-2',
    },
  ],
  [
    'jobs',
    {
      code: 'JOBS0002E',
      message: 'Job not found.',
      more_info: 'https://x',
      target: { name: 'job_id', type: 'path' },
    },
    { message: 'Job not found.', codes: ['JOBS0002E'] },
  ],
  [
    'environments',
    {
      trace: 't-3',
      errors: [{ code: 'does_not_exist', message: 'Environment gone', target: { name: 'id' } }],
    },
    { message: 'Environment gone', codes: ['does_not_exist'], trace: 't-3' },
  ],
  [
    'iam',
    {
      errorCode: 'BXNIM0415E',
      errorMessage: 'Provided API key could not be found.',
      context: { requestId: 'r-9' },
    },
    { message: 'Provided API key could not be found.', codes: ['BXNIM0415E'], trace: 'r-9' },
  ],
  [
    'code engine',
    {
      errors: [
        { code: 'not_found', message: 'Project not found', more_info: 'https://x', target: { name: 'id' } },
      ],
      status_code: 404,
      trace: 'ce-1',
    },
    { message: 'Project not found', codes: ['not_found'], trace: 'ce-1' },
  ],
];

describe('parseErrorBody', () => {
  for (const [name, body, expected] of FORMATS)
    it(`reads the ${name} format`, () => {
      const parsed = parseErrorBody(body);
      expect(parsed.message).toBe(expected.message);
      expect(parsed.codes).toEqual(expected.codes);
      expect(parsed.trace).toBe(expected.trace);
    });

  it('answers no message for bodies it does not know', () => {
    expect(parseErrorBody('text')).toEqual({ codes: [] });
    expect(parseErrorBody([1])).toEqual({ codes: [] });
  });
});

describe('errorFromResponse', () => {
  const cases: [number, typeof ApiError][] = [
    [400, BadRequestError],
    [401, UnauthorizedError],
    [403, ForbiddenError],
    [404, NotFoundError],
    [409, ConflictError],
    [429, RateLimitError],
    [500, InternalServerError],
    [503, InternalServerError],
    [412, ApiError],
    [413, ApiError],
    [415, ApiError],
    [422, ApiError],
  ];
  for (const [status, ErrorClass] of cases)
    it(`maps ${status} to ${ErrorClass.name}`, () => {
      const err = errorFromResponse(status, 'Status', { 'x-a': 'b' }, '{"code":"X1","message":"boom"}');
      expect(err).toBeInstanceOf(ErrorClass);
      expect(err).toBeInstanceOf(ApiError);
      expect(err.constructor).toBe(ErrorClass);
      expect(err.name).toBe(ErrorClass.name);
      expect(err.status).toBe(status);
      expect(err.message).toBe('boom');
      expect(err.codes).toEqual(['X1']);
      expect(err.headers).toEqual({ 'x-a': 'b' });
      expect(err.body).toBe('{"code":"X1","message":"boom"}');
    });

  it('falls back to a short text body, then the status text', () => {
    expect(errorFromResponse(502, 'Bad Gateway', {}, 'upstream down\n').message).toBe('upstream down');
    expect(errorFromResponse(502, 'Bad Gateway', {}, '').message).toBe('Bad Gateway');
  });
});

describe('redaction', () => {
  it('removes tokens, API keys and passwords from text', () => {
    const jwt = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln';
    const text = `Bearer abc.def apikey=SECRETKEY1&x=1 {"password":"p@ss\\"w0rd","apikey":"K2"} token ${jwt} Basic dXNlcjpwYXNz`;
    const out = redact(text);
    for (const secret of ['abc.def', 'SECRETKEY1', 'p@ss', 'K2', jwt, 'dXNlcjpwYXNz'])
      expect(out).not.toContain(secret);
    expect(out).toContain('x=1');
  });

  it('error messages never carry a credential echoed by a server', () => {
    const err = errorFromResponse(
      400,
      '',
      {},
      JSON.stringify({ errorCode: 'E', errorMessage: 'bad apikey=ABCDEF123 for Bearer xyz.uvw' }),
    );
    expect(err.message).not.toContain('ABCDEF123');
    expect(err.message).not.toContain('xyz.uvw');
  });
});

describe('typed errors from a real server', () => {
  let server: ScriptedServer;
  let service: TestService;
  beforeAll(async () => {
    server = await startScriptedServer();
    service = new TestService({
      authenticator: new BearerTokenAuthenticator({ bearerToken: 'secret-token-value' }),
      serviceUrl: server.url,
      retries: false,
    });
  });
  afterAll(() => server.close());

  for (const [name, body, expected] of FORMATS)
    it(`throws with the ${name} body read`, async () => {
      server.handle((_req, res) => json(res, 404, body, { 'x-global-transaction-id': 'gtx' }));
      const err = (await service.get('/things/{id}', { path: { id: 'a/b' } }).catch((e) => e)) as ApiError;
      expect(err).toBeInstanceOf(NotFoundError);
      expect(err.status).toBe(404);
      expect(err.message).toBe(expected.message);
      expect(err.codes).toEqual(expected.codes);
      expect(err.trace).toBe(expected.trace ?? 'gtx');
      expect(err.headers['x-global-transaction-id']).toBe('gtx');
      expect(JSON.parse(err.body)).toEqual(body);
      expect(server.requests.at(-1)!.url).toBe('/things/a%2Fb');
    });

  it('a failed request message does not leak the bearer token', async () => {
    server.handle((req, res) =>
      json(res, 401, { errorCode: 'E', errorMessage: `token ${req.headers.authorization} rejected` }),
    );
    const err = (await service.get('/x').catch((e) => e)) as ApiError;
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect(err.message).not.toContain('secret-token-value');
    expect(String(err.stack)).not.toContain('secret-token-value');
  });
});

describe('no credential in any error message, through the real error paths', () => {
  let server: ScriptedServer;
  beforeAll(async () => {
    server = await startScriptedServer();
  });
  afterAll(() => server.close());

  /** Fails unless neither the message nor the stack of `err` holds one of `secrets`. */
  function expectClean(err: unknown, secrets: string[]) {
    expect(err).toBeInstanceOf(ApiError);
    const { message, stack } = err as ApiError;
    for (const secret of secrets) {
      expect(message).not.toContain(secret);
      expect(String(stack)).not.toContain(secret);
    }
  }

  /** A server that answers every request with `status` and a body echoing everything it was sent. */
  const echo = (status: number, asJson = true) =>
    server.handle((req, res, body) => {
      // The bare values too, where no field name or scheme gives them away.
      const text = body.toString();
      const values = text.startsWith('{')
        ? Object.values(JSON.parse(text))
        : [...new URLSearchParams(text).values()];
      const credential = String(req.headers.authorization ?? '').split(' ')[1] ?? '';
      const decoded = Buffer.from(credential, 'base64').toString();
      const said = `rejected ${req.url} ${JSON.stringify(req.headers)} ${text} values ${values.join(' ')} ${credential} ${decoded}`;
      if (asJson) json(res, status, { errorCode: 'E1', errorMessage: said });
      else {
        res.writeHead(status, { 'content-type': 'text/plain' });
        res.end(said.slice(0, 400));
      }
    });

  it('an IAM token request refused by a server echoing the API key (form body)', async () => {
    echo(400);
    const apikey = 'k-9f8e7d6c5b4a';
    const err = await new IamAuthenticator({
      apikey,
      url: server.url,
      clientId: 'bx',
      clientSecret: 'cs-31337',
    })
      .authenticate({})
      .catch((e) => e);
    expect((err as ApiError).body).toContain(apikey); // the server did echo it
    expectClean(err, [apikey, 'cs-31337']);
  });

  it('a Cloud Pak for Data token request refused by a server echoing the password (JSON body)', async () => {
    echo(401);
    const password = 'pw-correct-horse';
    const err = await new CloudPakForDataAuthenticator({ username: 'jane', password, url: server.url })
      .authenticate({})
      .catch((e) => e);
    expectClean(err, [password]);
  });

  it('a service call refused by a server echoing Basic credentials and a bearer token, in text bodies', async () => {
    echo(500, false);
    const basic = new TestService({
      authenticator: new BasicAuthenticator({ username: 'jane', password: 'basic-pass-77' }),
      serviceUrl: server.url,
      retries: false,
    });
    expectClean(await basic.get('/x').catch((e) => e), ['basic-pass-77', 'jane:basic-pass-77']);
    const bearer = new TestService({
      authenticator: new BearerTokenAuthenticator({ bearerToken: 'opaque-token-1234' }),
      serviceUrl: server.url,
      retries: false,
    });
    expectClean(await bearer.get('/x').catch((e) => e), ['opaque-token-1234']);
  });

  it('a connection failure to a URL with a password in it', async () => {
    const closed = await startScriptedServer();
    const port = new URL(closed.url).port;
    await closed.close();
    const service = new TestService({
      authenticator: new BearerTokenAuthenticator({ bearerToken: 'opaque-token-5678' }),
      serviceUrl: `http://jane:url-pass-42@127.0.0.1:${port}`,
      retries: false,
    });
    const err = await service.get('/x').catch((e) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expectClean(err, ['url-pass-42', 'opaque-token-5678']);
  });

  it('a timeout of a request whose URL carries an API key', async () => {
    server.handle(() => new Promise(() => {})); // never answers
    const service = new TestService({
      authenticator: new NoAuthAuthenticator(),
      serviceUrl: server.url,
      retries: false,
      timeout: 100,
    });
    const err = await service.get('/x', { qs: { apikey: 'query-key-99' } }).catch((e) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expectClean(err, ['query-key-99']);
  });
});
