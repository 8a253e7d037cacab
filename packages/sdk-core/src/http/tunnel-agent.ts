import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { proxyAuthorization } from './proxy.ts';

type ConnectCallback = (err: Error | null, socket?: Duplex) => void;

/**
 * An https Agent that reaches its hosts through an HTTP proxy with `CONNECT`, then speaks TLS
 * inside the tunnel. Sockets are kept alive and reused like any agent's.
 */
export class TunnelAgent extends https.Agent {
  constructor(
    private readonly proxy: URL,
    options: https.AgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: any, callback: ConnectCallback): undefined {
    const host = options.host ?? options.hostname;
    const authority = `${host.includes(':') ? `[${host}]` : host}:${options.port}`;
    const auth = proxyAuthorization(this.proxy);
    const connect = http.request({
      host: this.proxy.hostname,
      port: this.proxy.port || 80,
      method: 'CONNECT',
      path: authority,
      headers: { host: authority, ...(auth ? { 'proxy-authorization': auth } : {}) },
      agent: false,
    });
    connect.once('connect', (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        callback(
          new Error(`proxy refused the tunnel to ${authority}: ${res.statusCode} ${res.statusMessage}`),
        );
        return;
      }
      const secure = tls.connect({
        socket,
        servername: options.servername || (isIp(host) ? undefined : host),
        rejectUnauthorized: options.rejectUnauthorized !== false,
      });
      callback(null, secure);
    });
    connect.once('error', (err) => callback(err));
    connect.end();
    return undefined;
  }
}

const isIp = (host: string) => /^[\d.]+$|:/.test(host);
