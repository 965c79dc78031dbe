import { describe, expect, it } from "vitest";
import { ArchiveError, ArchiveReader } from "./archive-reader";
import { ARCHIVE_FORMAT } from "./run-archive";

/** A minimal ended run's section: one event, one 5-byte blob in two pieces. */
function section(runId = "run_1") {
  return [
    {
      type: "run",
      format: ARCHIVE_FORMAT,
      exportedAt: 1,
      run: { id: runId, workflowName: "w", trigger: "api", held: false },
      definition: {
        name: "w",
        nodes: [{ id: "start", type: "start" }],
        edges: [],
      },
      input: null,
      view: {
        id: runId,
        workflowId: "wf_1",
        version: 1,
        status: "completed",
        tokens: 0,
        createdAt: 1,
        lastSeq: 1,
        usage: { promptTokens: 0, completionTokens: 0, cachedTokens: 0, costUsd: 0, calls: 0 },
      },
    },
    { type: "event", event: { seq: 1, type: "run_started", at: 1 } },
    {
      type: "blob",
      hash: "a".repeat(64),
      kind: "stream",
      contentType: "text/plain",
      bytes: 5,
      offset: 0,
      data: "aGVs",
    },
    {
      type: "blob",
      hash: "a".repeat(64),
      kind: "stream",
      contentType: "text/plain",
      bytes: 5,
      offset: 3,
      data: "bG8=",
    },
    {
      type: "end",
      runId,
      counts: { nodes: 0, approvals: 0, patches: 0, events: 1, blobs: 1 },
    },
  ] as Record<string, unknown>[];
}

function read(lines: Record<string, unknown>[]) {
  const reader = new ArchiveReader();
  const steps = lines.map((l, i) => reader.take(JSON.stringify(l), i + 1));
  reader.finish(lines.length + 1);
  return steps;
}

function refusal(lines: Record<string, unknown>[]): ArchiveError {
  try {
    read(lines);
  } catch (err) {
    if (err instanceof ArchiveError) return err;
    throw err;
  }
  throw new Error("the archive was accepted");
}

describe("ArchiveReader", () => {
  it("reads a section, opening and closing a blob across its pieces", () => {
    const steps = read([...section(), ...section("run_2")]);
    expect(steps.map((s) => s.kind)).toEqual([
      ...["run", "event", "blob", "blob", "end"],
      ...["run", "event", "blob", "blob", "end"],
    ]);
    expect(steps.filter((s) => s.kind === "blob").map((s) => [s.first, s.last])).toEqual([
      [true, false],
      [false, true],
      [true, false],
      [false, true],
    ]);
  });

  it("names the line and path of what is wrong", () => {
    const lines = section();
    const cases: [Record<string, unknown>[], number, (string | number)[], RegExp][] = [
      [lines.slice(0, -1), 5, [], /no end line/],
      [[lines[0]!, lines[1]!, lines[3]!, lines[4]!], 3, ["offset"], /starts at 3/],
      [[lines[0]!, lines[1]!, lines[2]!, lines[4]!], 4, ["type"], /cut short/],
      [[lines[0]!, lines[2]!, lines[3]!, lines[4]!], 4, ["counts", "events"], /says 1 events/],
      [[lines[1]!], 1, ["type"], /outside a run/],
      [[{ ...lines[0]!, format: "other" }], 1, ["format"], /line 1 at format/],
      [
        [lines[0]!, { type: "event", event: { seq: 0, type: "run_started", at: 1 } }],
        2,
        ["event", "seq"],
        /out of order/,
      ],
    ];
    for (const [archive, line, path, message] of cases) {
      const err = refusal(archive);
      expect({ line: err.line, path: err.path }).toEqual({ line, path });
      expect(err.message).toMatch(message);
    }
  });

  it("refuses an archive that holds no run", () => {
    expect(() => new ArchiveReader().finish(1)).toThrow(/holds no run/);
  });
});
