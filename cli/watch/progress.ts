import type { NodeStatus } from "../../core/scheduler/state";
import type { RunEvent } from "../../core/wire/frames";

/** A node's status as the watcher last saw it change. */
export interface NodeChange {
  nodeId: string;
  type: string;
  status: NodeStatus;
  /** Why, or what came of it: a port, an error message, a wait reason. */
  detail?: string;
  durationMs?: number;
}

const DONE: ReadonlySet<NodeStatus> = new Set(["succeeded", "failed", "skipped", "cancelled"]);

function text(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function errorMessage(v: unknown): string | undefined {
  if (typeof v !== "object" || v === null) return undefined;
  const { code, message } = v as { code?: unknown; message?: unknown };
  return [text(code), text(message)].filter(Boolean).join(": ") || undefined;
}

/**
 * Node statuses of one run, folded from its events: what the status lines and the progress bar
 * show. Pure, so it is tested without a server.
 * @example
 * const p = new Progress([{ id: "a", type: "transform", status: "pending" }]);
 * p.apply({ seq: 1, type: "node_succeeded", at: 5, nodeId: "a" }); // { nodeId: "a", status: "succeeded", ... }
 * p.done; // 1
 */
export class Progress {
  private readonly nodes = new Map<
    string,
    { type: string; status: NodeStatus; startedAt?: number }
  >();

  constructor(nodes: readonly { id: string; type: string }[]) {
    for (const n of nodes) this.nodes.set(n.id, { type: n.type, status: "pending" });
  }

  get total(): number {
    return this.nodes.size;
  }

  /** Nodes that will not change again unless a loop runs them once more. */
  get done(): number {
    let n = 0;
    for (const node of this.nodes.values()) if (DONE.has(node.status)) n += 1;
    return n;
  }

  /** Applies one event; returns the node change it made, if any. */
  apply(event: RunEvent): NodeChange | null {
    if (event.type === "run_cancelled") {
      for (const node of this.nodes.values()) if (!DONE.has(node.status)) node.status = "cancelled";
      return null;
    }
    if (event.type === "patch_applied") {
      // Nodes a patch added join the run: they count in the progress from now on.
      const ops = Array.isArray(event.data?.ops) ? (event.data.ops as unknown[]) : [];
      for (const op of ops) {
        const { op: kind, node } = op as { op?: unknown; node?: { id?: unknown; type?: unknown } };
        if (kind !== "add_node" || typeof node?.id !== "string" || this.nodes.has(node.id))
          continue;
        this.nodes.set(node.id, { type: String(node.type ?? "?"), status: "pending" });
      }
      return null;
    }
    const id = event.nodeId;
    const node = id === undefined ? undefined : this.nodes.get(id);
    if (id === undefined || !node) return null;
    const data = event.data ?? {};
    const change = (status: NodeStatus, detail?: string, durationMs?: number): NodeChange => {
      node.status = status;
      return {
        nodeId: id,
        type: node.type,
        status,
        ...(detail === undefined ? {} : { detail }),
        ...(durationMs === undefined ? {} : { durationMs }),
      };
    };
    switch (event.type) {
      case "node_queued":
        return change("queued");
      case "node_started":
        node.startedAt = event.at;
        return change("running");
      case "node_succeeded": {
        const port = text(data.port);
        const duration = typeof data.durationMs === "number" ? data.durationMs : undefined;
        return change("succeeded", port ? `port ${port}` : undefined, duration);
      }
      case "node_failed":
        return change("failed", errorMessage(data.error));
      case "node_retrying":
        return change("waiting", `retrying after ${errorMessage(data.error) ?? "an error"}`);
      case "node_skipped":
        return change("skipped", text(data.reason));
      case "node_waiting":
        if (data.reason === "event") {
          const key = typeof data.key === "string" ? ` with key ${data.key}` : "";
          return change("waiting", `event ${text(data.event) ?? "?"}${key}`);
        }
        return change("waiting", text(data.reason));
      default:
        return null;
    }
  }
}

/** `[██████░░░░░░] 3/7 nodes`: a fixed-width bar of done nodes. */
export function progressBar(done: number, total: number, width = 24): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${done}/${total} nodes`;
}
