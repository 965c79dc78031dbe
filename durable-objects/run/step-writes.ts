/**
 * What a step writes for its commands inside the step's transaction (engine.ts writes the node,
 * edge and run rows): timers, and each event with what it records: the accepted output, the
 * node execution, the map item, approval requests closed.
 */

import type { NodeError } from "../../core/errors";
import type { ApprovalConfig } from "../../core/kinds/approval";
import { kindOf } from "../../core/kinds/registry";
import type { Command } from "../../core/scheduler/commands";
import type { Signal } from "../../core/scheduler/signals";
import { addressOf } from "../../platform/hash";
import type { ApprovalBook } from "./approvals";
import type { Loaded } from "./context";
import type { RunOutputs } from "./outputs";
import type { Pending } from "./pending";
import type { ReplaySeed } from "./replay";
import type { RunStore, StoredEvent } from "./store";

/** What the engine lends this module. */
export interface StepWritesHost {
  store: RunStore;
  outputs: RunOutputs;
  approvals: ApprovalBook;
  run(): Loaded;
  /** The source run's record when this run is a replay. */
  replay(): ReplaySeed | null;
  /** Marks an approval request whose D1 row must be written. */
  approvalChanged(nodeId: string, attempt: number): void;
  /** The run ends in this step: what it owes other runs (child-runs.ts). */
  finishing(): void;
  /** The run failed in this step: the channels that asked are owed a notification. */
  failed(now: number): void;
}

export class StepWrites {
  constructor(private readonly host: StepWritesHost) {}

  /** Applies a non-execute command inside the step's transaction; returns the stored event. */
  apply(command: Command, item: Pending, signal: Signal, now: number): StoredEvent | null {
    const { approvals, store } = this.host;
    const run = this.host.run();
    switch (command.type) {
      case "set_timer":
        store.setTimer(command.timer);
        return null;
      case "clear_timer":
        store.clearTimer(command.key);
        return null;
      case "finish":
        store.clearAllTimers();
        this.host.finishing();
        return null;
      case "execute":
      case "execute_item":
        return null;
      case "emit": {
        const event = command.event;
        const nodeId = event.nodeId;
        const st = nodeId === undefined ? undefined : run.state.nodes[nodeId];
        const data = { ...(event.data ?? {}) };
        const own = signal.type === "result" && signal.nodeId === nodeId;
        if (
          own &&
          item.usage &&
          (event.type === "node_succeeded" || event.type === "node_failed")
        ) {
          data.usage = item.usage;
        }
        if (own && item.delivery && event.type === "node_started") data.delivery = item.delivery;
        if (event.type === "node_succeeded" && nodeId && st) {
          const hash = this.storeOutput(nodeId, item, signal);
          data.outputHash = hash;
          if (item.annotate && signal.type === "result" && signal.nodeId === nodeId) {
            Object.assign(data, item.annotate);
          }
          const replay = this.host.replay();
          if (replay?.recorded[nodeId] && st.iteration === 0) {
            data.replayedFrom = replay.sourceRunId;
          }
          store.recordExecution(nodeId, this.typeOf(nodeId), st, "succeeded", hash, null);
        } else if (event.type === "map_item_succeeded" && nodeId && signal.type === "item_result") {
          store.saveMapItem(nodeId, signal.index, addressOf(item.output ?? null).json);
        } else if (
          (event.type === "node_failed" || event.type === "node_retrying") &&
          nodeId &&
          st
        ) {
          store.recordExecution(
            nodeId,
            this.typeOf(nodeId),
            st,
            "failed",
            null,
            (data.error as NodeError) ?? null,
          );
        } else if (event.type === "node_skipped" && nodeId && data.reason === "unknown_type") {
          this.storeValue(nodeId, null);
        } else if (event.type === "approval_required" && nodeId) {
          this.host.approvalChanged(nodeId, data.attempt as number);
        } else if (event.type === "approval_escalated" && nodeId) {
          const run = this.host.run();
          const node = run.ir.nodes[run.ir.byId[nodeId]!]!;
          const { escalate } = node.config as Pick<ApprovalConfig, "escalate">;
          if (escalate) {
            approvals.escalate(
              nodeId,
              data.attempt as number,
              escalate.approvers,
              data.until as number,
              now,
            );
            this.host.approvalChanged(nodeId, data.attempt as number);
          }
        } else if (event.type === "approval_decided" && nodeId) {
          const decision = data.decision as "approved" | "rejected" | "timeout";
          approvals.close(
            nodeId,
            data.attempt as number,
            data.timedOut ? "timeout" : decision,
            now,
          );
          this.host.approvalChanged(nodeId, data.attempt as number);
        } else if (event.type === "run_failed") {
          this.host.failed(now);
        } else if (event.type === "run_cancelled") {
          for (const request of approvals.pending()) {
            approvals.close(request.nodeId, request.attempt, "cancelled", now);
            this.host.approvalChanged(request.nodeId, request.attempt);
          }
        }
        return store.appendEvent({ ...event, data }, now);
      }
      default:
        return null;
    }
  }

  /** Stores the output of a node that just succeeded and returns its hash. */
  private storeOutput(nodeId: string, item: Pending, signal: Signal): string {
    const run = this.host.run();
    const node = run.ir.nodes[run.ir.byId[nodeId]!]!;
    const ownResult =
      (signal.type === "result" || signal.type === "decide") && signal.nodeId === nodeId;
    if (ownResult && item.outputRef) {
      this.host.store.saveOutputRef(nodeId, item.outputRef);
      this.host.outputs.storedRef(nodeId);
      return item.outputRef.hash;
    }
    if (ownResult && item.output !== undefined) return this.storeValue(nodeId, item.output);
    if (item.outputs?.[nodeId] !== undefined) return this.storeValue(nodeId, item.outputs[nodeId]);
    const kind = kindOf(node.type);
    if (kind?.traits.fanOut) {
      const json = run.state.nodes[nodeId]!.map ? this.host.store.mapOutputJson(nodeId) : "[]";
      return this.storeValue(nodeId, JSON.parse(json) as unknown);
    }
    const wait = kind?.traits.wait;
    if (wait?.for === "person" && signal.type === "timer") {
      const port = run.state.nodes[nodeId]!.port ?? wait.timeoutPort(node.config);
      return this.storeValue(nodeId, { decision: port, timedOut: true, votes: [] });
    }
    const own =
      ((signal.type === "result" || signal.type === "decide") && signal.nodeId === nodeId) ||
      (signal.type === "timer" && signal.timer.nodeId === nodeId);
    return this.storeValue(nodeId, own && item.output !== undefined ? item.output : null);
  }

  private storeValue(nodeId: string, value: unknown): string {
    const { hash, json } = addressOf(value);
    this.host.store.saveOutput(nodeId, hash, json);
    // What expressions read is what storage gives back (canonical JSON: keys sorted), so a
    // value reads the same before and after an eviction or a restart.
    this.host.outputs.stored(nodeId, JSON.parse(json) as unknown, json.length);
    return hash;
  }

  private typeOf(nodeId: string): string {
    const run = this.host.run();
    return run.ir.nodes[run.ir.byId[nodeId]!]!.type;
  }
}
