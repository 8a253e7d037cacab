/** The proxy settings of the environment, as curl and most HTTP clients read them. */
export interface ProxySettings {
  httpProxy?: string;
  httpsProxy?: string;
  noProxy?: string;
}

const env = (name: string): string | undefined =>
  globalThis.process?.env?.[name] || globalThis.process?.env?.[name.toLowerCase()] || undefined;

export function proxySettingsFromEnv(): ProxySettings {
  return { httpProxy: env('HTTP_PROXY'), httpsProxy: env('HTTPS_PROXY'), noProxy: env('NO_PROXY') };
}

/**
 * The proxy for `url` from the environment, read at each request (a changed variable applies), but
 * only the variable of the URL's scheme, and `NO_PROXY` only when that one is set: `process.env`
 * lookups are slow enough to show in the CPU cost of a request.
 */
export function proxyFromEnv(url: URL): URL | undefined {
  const proxy = env(url.protocol === 'https:' ? 'HTTPS_PROXY' : 'HTTP_PROXY');
  if (!proxy) return undefined;
  return proxyFor(url, { httpProxy: proxy, httpsProxy: proxy, noProxy: env('NO_PROXY') });
}

/**
 * `NO_PROXY` is a comma or space separated list of host names, domain suffixes (`.example.com` or
 * `example.com`, both match sub-domains), optional `:port`, or `*` for every host.
 */
export function bypassesProxy(url: URL, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  return noProxy
    .split(/[\s,]+/)
    .filter(Boolean)
    .some((entry) => {
      if (entry === '*') return true;
      const [name, entryPort] = entry.toLowerCase().split(/:(?=\d+$)/);
      if (entryPort && entryPort !== port) return false;
      const domain = name.replace(/^\*?\./, '');
      return host === domain || host.endsWith('.' + domain);
    });
}

/** The proxy URL to use for `url`, or undefined to connect directly. */
export function proxyFor(url: URL, settings: ProxySettings): URL | undefined {
  const proxy = url.protocol === 'https:' ? settings.httpsProxy : settings.httpProxy;
  if (!proxy || bypassesProxy(url, settings.noProxy)) return undefined;
  return new URL(proxy.includes('://') ? proxy : `http://${proxy}`);
}

/** `Proxy-Authorization` for a proxy URL with credentials. */
export function proxyAuthorization(proxy: URL): string | undefined {
  if (!proxy.username) return undefined;
  const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return 'Basic ' + btoa(credentials);
}
