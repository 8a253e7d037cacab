// The framework's own floor: Fastify (as our server configures it, with a logger at warn) answering
// a fixed JSON body on one route: no auth, no validation, no database. Our server cannot be cheaper.
import Fastify from 'fastify';

const body = process.env.BARE_BODY ?? '{}';
const app = Fastify({ logger: { level: 'warn' } });
app.get('/*', async (_req, reply) => {
  reply.type('application/json; charset=utf-8');
  return body;
});
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`listening on ${address}\n`);
process.on('SIGTERM', () => app.close().then(() => process.exit(0)));
