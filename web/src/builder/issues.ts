import type { NodeIssue } from "../flow/node-data";

export interface IssueLike {
  path: readonly (string | number)[];
  at: string;
  message: string;
}

/** Validation problems placed where they belong: on a node (and field), an edge, or the workflow. */
export interface PlacedIssues {
  nodes: Record<string, NodeIssue[]>;
  edges: Record<string, string[]>;
  general: string[];
}

/**
 * Places API validation issues (`path` like ["nodes", 1, "config", "url"]) on the nodes and edges
 * of the definition that was validated, given their ids in the order they were sent.
 * @example
 * placeIssues([{ path: ["nodes", 0, "config", "url"], at: "nodes[0].config.url", message: "m" }], ["get"], [])
 * // { nodes: { get: [{ field: "url", subPath: [], message: "m" }] }, edges: {}, general: [] }
 */
export function placeIssues(
  issues: readonly IssueLike[],
  nodeIds: readonly string[],
  edgeIds: readonly string[],
): PlacedIssues {
  const placed: PlacedIssues = { nodes: {}, edges: {}, general: [] };
  for (const issue of issues) {
    const [section, index, area, field, ...rest] = issue.path;
    if (section === "nodes" && typeof index === "number" && nodeIds[index] !== undefined) {
      const id = nodeIds[index]!;
      const list = placed.nodes[id] ?? [];
      placed.nodes[id] = list;
      if (area === "config" && typeof field === "string") {
        list.push({ field, subPath: rest, message: issue.message });
      } else if (area === "config") {
        list.push({ message: `config: ${issue.message}` });
      } else if (typeof area === "string") {
        list.push({ field: `$${area}`, message: `${area}: ${issue.message}` });
      } else {
        list.push({ message: issue.message });
      }
    } else if (section === "edges" && typeof index === "number" && edgeIds[index] !== undefined) {
      const id = edgeIds[index]!;
      const list = placed.edges[id] ?? [];
      placed.edges[id] = list;
      list.push(issue.message);
    } else {
      placed.general.push(issue.at === "(root)" ? issue.message : `${issue.at}: ${issue.message}`);
    }
  }
  return placed;
}
