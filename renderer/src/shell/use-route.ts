import { useEffect, useState } from 'react';
import { routeOf, type PageId } from './pages';

// The page chosen by the address, so a page can be linked to (the tray opens #/approvals).
export function useRoute(): PageId {
  const [route, setRoute] = useState<PageId>(() => routeOf(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(routeOf(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

/** Sets the tab title while a view is shown. */
export function useTabTitle(title: string): void {
  useEffect(() => {
    document.title = title;
  }, [title]);
}
