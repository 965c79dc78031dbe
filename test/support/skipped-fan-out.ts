/**
 * start → check (false) → other → end, and on check's `true` port a fan-out of `width`
 * transforms into end: the run takes the short branch and skips the fan-out (an event each), so
 * it ends in seconds and leaves a graph of width + 4 nodes and a log of about as many events.
 * Used by test/e2e/big-run.spec.ts and bench/canvas.ts.
 */
export function skippedFanOut(width: number) {
  const nodes: unknown[] = [
    { id: "start", type: "start" },
    { id: "check", type: "condition", config: { expression: "false" } },
    { id: "other", type: "transform", config: { expression: "2" } },
  ];
  const edges: unknown[] = [
    { from: "start", to: "check" },
    { from: "check", on: "false", to: "other" },
    { from: "other", to: "end" },
  ];
  for (let i = 0; i < width; i++) {
    nodes.push({ id: `t${i}`, type: "transform", config: { expression: "1" } });
    edges.push({ from: "check", on: "true", to: `t${i}` }, { from: `t${i}`, to: "end" });
  }
  nodes.push({ id: "end", type: "end", join: "any", config: { output: "done" } });
  return { name: `fan-out of ${width}`, nodes, edges };
}
