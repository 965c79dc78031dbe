import type { LlmStep } from "../support/llm-stub";
import { poll } from "../support/poll";
import { api, type RunBody } from "./helpers";

/** Scripts the chat-completions stub: requests for `model` get these answers, in order. */
export async function script(fixture: string, model: string, steps: LlmStep[]): Promise<void> {
  const res = await fetch(`${fixture}/llm/script/${encodeURIComponent(model)}`, {
    method: "POST",
    body: JSON.stringify({ steps }),
  });
  if (!res.ok) throw new Error(`scripting ${model} failed: ${res.status}`);
}

export interface LlmRequest {
  model: string;
  messages: {
    role: string;
    content: string | null;
    tool_call_id?: string;
    tool_calls?: unknown[];
  }[];
  tools?: { function: { name: string } }[];
  stream?: boolean;
  max_tokens?: number;
  authorization: string | null;
  receivedAt: number;
}

/** The requests the stub received for `model`, in order. */
export async function requestsFor(fixture: string, model: string): Promise<LlmRequest[]> {
  const res = await fetch(`${fixture}/llm/requests/${encodeURIComponent(model)}`);
  return ((await res.json()) as { requests: LlmRequest[] }).requests;
}

/** A unique model name per test, so scripts never collide. */
export function modelName(label: string): string {
  return `${label}-${crypto.randomUUID().slice(0, 8)}`;
}

export interface AgentRunBody extends RunBody {
  nodes: (RunBody["nodes"][number] & {
    addedBy?: number;
    usage?: {
      promptTokens: number;
      completionTokens: number;
      cachedTokens: number;
      calls: number;
      costUsd: number | null;
    };
  })[];
  usage: {
    promptTokens: number;
    completionTokens: number;
    cachedTokens: number;
    calls: number;
    costUsd: number | null;
    budget?: { tokens?: number; costUsd?: number };
  };
  patches: {
    id: number;
    status: string;
    source: Record<string, unknown>;
    ops: unknown[];
    problems?: { at: string; code: string; message: string }[];
  }[];
  approvals: { nodeId: string; attempt: number; status: string; message: string }[];
}

/**
 * Reads a run until `predicate` holds (a bounded `poll`). Used where the run waits on queue
 * deliveries (agents run on the queue), which happen outside the test's control.
 */
export async function waitUntil(
  runId: string,
  predicate: (run: AgentRunBody) => boolean,
): Promise<AgentRunBody> {
  return poll(
    `run ${runId} to reach the expected state`,
    async () => (await api<AgentRunBody>("GET", `/api/runs/${runId}`)).body,
    predicate,
  );
}

export const isOver = (run: AgentRunBody) =>
  ["completed", "failed", "cancelled"].includes(run.status);

/**
 * Reads D1 until `predicate` holds (a bounded `poll`): the RunObject writes its D1 projection
 * in the background, milliseconds after the state the API returns.
 */
export function d1Until<T>(read: () => Promise<T>, predicate: (value: T) => boolean): Promise<T> {
  return poll("D1 to show the run's state", read, predicate);
}
