/**
 * Which secrets a node execution may resolve (SECURITY.md, "Secrets"). The run's nonce is made
 * once and kept in the object's meta, never in the expression context; a node written or
 * rewritten by an agent's patch resolves none, whatever its config says, and keeps that mark
 * through replays.
 */

import type { IRStep } from "../../core/compile/ir";
import type { RunContext } from "../../core/executors/context";
import { renderTemplates } from "../../core/expressions/template";
import type { Patch, PatchSource } from "../../core/patches";
import { newSecretNonce, protectSecretRefs, type SecretPlan } from "../../core/secrets/refs";
import type { RunStore } from "./store";

const NONCE = "secretNonce";
const AGENT_NODES = "agentNodes";

export class SecretPlans {
  private nonce: string | null = null;
  private agentNodes: Set<string> | null = null;

  constructor(private readonly store: RunStore) {}

  /** At create (in its transaction): the nonce, and the agent-written nodes a replay inherits. */
  init(agentNodes: readonly string[] = []): void {
    this.nonce = newSecretNonce();
    this.store.setMeta(NONCE, this.nonce);
    this.agentNodes = new Set(agentNodes);
    this.store.setMeta(AGENT_NODES, [...this.agentNodes]);
  }

  /** Nodes whose config an agent wrote; a person's later patch of a node makes it theirs. */
  agentWritten(): string[] {
    return [...this.agentSet()];
  }

  /** In the transaction that applies a patch: whose config each added or rewritten node has. */
  applied(patch: Patch, source: PatchSource): void {
    const set = this.agentSet();
    for (const op of patch.ops) {
      const id =
        op.op === "add_node"
          ? op.node.id
          : op.op === "update_node" && op.config !== undefined
            ? op.id
            : null;
      if (id === null) continue;
      if (source.kind === "agent") set.add(id);
      else set.delete(id);
    }
    this.store.setMeta(AGENT_NODES, [...set]);
  }

  /**
   * Renders a step's config for execution: the references its own definition wrote become
   * markers (none for an agent-written node), then every other template is rendered.
   */
  async render(
    nodeId: string,
    step: IRStep,
    context: RunContext,
  ): Promise<{ config: Record<string, unknown>; plan: SecretPlan }> {
    const nonce = this.nonceOf();
    const trusted = !this.agentSet().has(nodeId);
    const { config, plan } = trusted
      ? protectSecretRefs(step.config, nonce)
      : { config: step.config, plan: { nonce, fields: [] } };
    return {
      config: (await renderTemplates(config, context, {
        timeoutMs: step.expressionTimeoutMs,
      })) as Record<string, unknown>,
      plan,
    };
  }

  /**
   * An agent's config for its job: the secret references its own definition wrote in its custom
   * http tools (`httpTools`) become markers, to be resolved by the runner when the model calls
   * the tool; nothing is rendered here (the tools' templates read the model's arguments). An
   * agent-written node gets no markers, and is marked so its MCP servers' secrets stay closed.
   */
  protectAgentTools(
    nodeId: string,
    config: Record<string, unknown>,
  ): { config: Record<string, unknown>; plan: SecretPlan; agentWritten: boolean } {
    const nonce = this.nonceOf();
    if (this.agentSet().has(nodeId) || config.httpTools === undefined) {
      return { config, plan: { nonce, fields: [] }, agentWritten: this.agentSet().has(nodeId) };
    }
    const { config: tools, plan } = protectSecretRefs(config.httpTools, nonce);
    const fields = plan.fields.map((f) => ({ ...f, path: ["httpTools", ...f.path] }));
    return {
      config: { ...config, httpTools: tools },
      plan: { nonce, fields },
      agentWritten: false,
    };
  }

  private nonceOf(): string {
    if (this.nonce === null) {
      this.nonce = this.store.getMeta<string>(NONCE) ?? null;
      if (this.nonce === null) {
        // A run created before nonces existed gets one on first use.
        this.nonce = newSecretNonce();
        this.store.setMeta(NONCE, this.nonce);
      }
    }
    return this.nonce;
  }

  private agentSet(): Set<string> {
    this.agentNodes ??= new Set(this.store.getMeta<string[]>(AGENT_NODES) ?? []);
    return this.agentNodes;
  }
}
