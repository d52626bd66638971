/**
 * Hash routing (`/_/#/collections/posts`): the server only ever serves index.html for the app,
 * and a setup token after `#` never reaches a request log.
 */
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** Path segments after `#/`, decoded. */
  parts: string[];
  query: URLSearchParams;
}

function current(): Route {
  const hash = window.location.hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = hash.split('?');
  return {
    parts: path.split('/').filter(Boolean).map((p) => decodeURIComponent(p)),
    query: new URLSearchParams(search),
  };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const on = (): void => setRoute(current());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function href(...parts: string[]): string {
  return `#/${parts.map((p) => encodeURIComponent(p)).join('/')}`;
}

export function navigate(to: string, replace = false): void {
  if (replace) window.location.replace(to);
  else window.location.hash = to.replace(/^#/, '');
}
