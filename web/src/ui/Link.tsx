import type { ReactNode } from "react";
import { formatRoute, type Route } from "../route";
import { useLinkClick } from "../use-route";

export function Link({
  to,
  children,
  className,
  current,
}: {
  to: Route;
  children: ReactNode;
  className?: string;
  current?: boolean;
}) {
  const onClick = useLinkClick(to);
  return (
    <a
      href={formatRoute(to)}
      onClick={onClick}
      className={className}
      aria-current={current ? "page" : undefined}
    >
      {children}
    </a>
  );
}
