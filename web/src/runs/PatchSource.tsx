import type { RunPatch } from "../api/types";

/**
 * Who proposed a patch: the agent node (a button that selects it) and its attempt, or the
 * person's key name.
 */
export function PatchSource({
  source,
  onSelectNode,
}: {
  source: RunPatch["source"];
  onSelectNode(id: string): void;
}) {
  if (source.kind === "agent") {
    return (
      <span data-testid="patch-source">
        agent node{" "}
        <button type="button" className="linkish" onClick={() => onSelectNode(source.nodeId)}>
          {source.nodeId}
        </button>
        , attempt {source.attempt}
      </span>
    );
  }
  return (
    <span data-testid="patch-source">
      {source.by} <span className="muted">(API key {source.keyId})</span>
    </span>
  );
}
