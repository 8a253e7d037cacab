import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

/**
 * How the server lets its connections go when it closes (SIGTERM): a keep-alive connection that
 * carries no request is closed at once, a request in flight gets `graceMs` to finish, then every
 * connection still open is cut. Node's own idle tracking misses some idle connections (one that
 * last served a streamed download, for one) and would hold the close until its header timeout,
 * a minute or more.
 */
export function installShutdown(app: FastifyInstance, graceMs: number): void {
  const sockets = new Set<Socket>();
  app.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  // Node assigns the response to its socket as soon as a request's headers are read, and takes it
  // back once the response is written: without one, the connection carries no request.
  const carriesRequest = (socket: Socket) =>
    Boolean((socket as Socket & { _httpMessage?: unknown })._httpMessage);
  // A response just finished may still sit in the socket's buffer: cut only once it has left.
  const idle = (socket: Socket) => !carriesRequest(socket) && socket.writableLength === 0;
  app.addHook('preClose', (done) => {
    const started = Date.now();
    const sweep = setInterval(() => {
      const late = Date.now() - started >= graceMs;
      for (const socket of sockets) if (late || idle(socket)) socket.destroy();
    }, 100);
    sweep.unref();
    app.server.once('close', () => clearInterval(sweep));
    done();
  });
}
