import { type MouseEvent, useCallback, useSyncExternalStore } from "react";
import { formatRoute, parseRoute, type Route } from "./route";

const NAVIGATE = "aob:navigate";

function subscribe(callback: () => void): () => void {
  window.addEventListener("popstate", callback);
  window.addEventListener(NAVIGATE, callback);
  return () => {
    window.removeEventListener("popstate", callback);
    window.removeEventListener(NAVIGATE, callback);
  };
}

const current = () => window.location.pathname + window.location.search;

/** Moves to a route (history.pushState, or replaceState for redirects). */
export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  const url = formatRoute(route);
  if (url === current()) return;
  if (options.replace) window.history.replaceState(null, "", url);
  else window.history.pushState(null, "", url);
  window.dispatchEvent(new Event(NAVIGATE));
}

/** The current route; re-renders on navigation and on the browser's back and forward. */
export function useRoute(): Route {
  const url = useSyncExternalStore(subscribe, current);
  const [pathname, search = ""] = url.split(/(?=\?)/);
  return parseRoute(pathname ?? "/", search);
}

/** Click handler for in-app links: plain clicks navigate, modified clicks open a tab as usual. */
export function useLinkClick(route: Route) {
  return useCallback(
    (event: MouseEvent<HTMLAnchorElement>) => {
      if (event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      navigate(route);
    },
    [route],
  );
}
