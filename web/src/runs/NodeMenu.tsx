import { useEffect, useRef } from "react";

export interface MenuAt {
  nodeId: string;
  x: number;
  y: number;
}

/**
 * A node's context menu in the run view: details, and replay from the node once the run has
 * ended. Takes focus when it opens; Escape closes it.
 */
export function NodeMenu({
  menu,
  canReplay,
  onDetails,
  onReplay,
  onClose,
}: {
  menu: MenuAt;
  canReplay: boolean;
  onDetails(): void;
  onReplay(): void;
  onClose(): void;
}) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.querySelector("button")?.focus();
  }, []);
  return (
    <div
      ref={ref}
      className="context-menu"
      role="menu"
      style={{ left: menu.x, top: menu.y }}
      aria-label={`Node ${menu.nodeId}`}
      onKeyDown={(e) => {
        if (e.key === "Escape") onClose();
      }}
    >
      <button type="button" role="menuitem" onClick={onDetails}>
        Show details
      </button>
      <button
        type="button"
        role="menuitem"
        disabled={!canReplay}
        title={
          canReplay
            ? "Start a new run that reuses every output upstream of this node"
            : "Replay once the run has ended"
        }
        onClick={onReplay}
      >
        Replay from here
      </button>
      <button type="button" role="menuitem" onClick={onClose}>
        Close
      </button>
    </div>
  );
}
