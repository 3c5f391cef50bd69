/** The endpoints of a server's base URL. */

export function webSocketUrl(base: string): string {
  const url = new URL(base);
  url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/$/, '')}/v1/ws`;
  return url.toString();
}

export function sockJsUrl(base: string): string {
  const url = new URL(base);
  url.protocol = url.protocol === 'wss:' ? 'https:' : url.protocol === 'ws:' ? 'http:' : url.protocol;
  url.pathname = `${url.pathname.replace(/\/$/, '')}/v1/sockjs`;
  return url.toString();
}

/** path may end in a query (`?after=…`). */
export function httpUrl(base: string, path: string): string {
  const url = new URL(base);
  const [pathname, query = ''] = path.split('?');
  url.protocol = url.protocol === 'wss:' ? 'https:' : url.protocol === 'ws:' ? 'http:' : url.protocol;
  url.pathname = `${url.pathname.replace(/\/$/, '')}${pathname}`;
  url.search = query;
  return url.toString();
}
