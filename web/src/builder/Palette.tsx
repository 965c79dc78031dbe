import type { DragEvent } from "react";
import type { NodeTypeInfo } from "../api/types";

/** The drag payload: a kind's type. */
export const KIND_MIME = "application/x-aob-kind";

/**
 * The kinds to add: drag one onto the canvas, or focus it and press Enter to add it in the
 * middle of the view. Kinds that are coming soon are listed but cannot be added.
 */
export function Palette({ kinds, onAdd }: { kinds: NodeTypeInfo[]; onAdd(type: string): void }) {
  const start = (event: DragEvent<HTMLButtonElement>, type: string) => {
    event.dataTransfer.setData(KIND_MIME, type);
    event.dataTransfer.setData("text/plain", type);
    event.dataTransfer.effectAllowed = "copy";
  };
  return (
    <aside className="palette" aria-label="Node kinds">
      <h2>Nodes</h2>
      <p className="help">Drag onto the canvas, or press Enter to add.</p>
      <ul>
        {kinds.map((k) => {
          const soon = k.status === "coming_soon";
          return (
            <li key={k.type}>
              <button
                type="button"
                className={`palette-item kind-${k.type}`}
                draggable={!soon}
                disabled={soon}
                aria-disabled={soon}
                data-kind={k.type}
                title={soon ? `${k.description} (coming soon)` : k.description}
                onDragStart={(e) => start(e, k.type)}
                onClick={() => onAdd(k.type)}
              >
                <span className="palette-title">{k.title}</span>
                {soon && <span className="soon">coming soon</span>}
                {k.status === "experimental" && <span className="soon">experimental</span>}
              </button>
            </li>
          );
        })}
      </ul>
    </aside>
  );
}
