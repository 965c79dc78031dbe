/**
 * The run's outputs as expressions see them (docs/PAYLOADS.md, invariant 3). The context's
 * `nodes.<id>.output` reads through here: an output stored inline is parsed from SQLite when
 * first read, one kept by reference is fetched from R2 before the evaluation that names it,
 * and every parsed output is held in one cache bounded in bytes. So the object's memory does
 * not grow with the total size of its outputs, only with what one evaluation reads.
 */

import type { IR, IRNode } from "../../core/compile/ir";
import type { RunContext } from "../../core/executors/context";
import { configReferences, mergeReferences } from "../../core/optimise/references";
import { readOutputRef } from "../../platform/output-refs";
import type { RunStore } from "./store";

/** Bytes of parsed outputs (measured as their JSON) the cache keeps. */
export const OUTPUT_CACHE_BYTES = 32 * 1024 * 1024;

type Entry = RunContext["nodes"][string];

/** What a node's evaluation reads: named nodes, or every output (a dynamic lookup). */
type Reads = Set<string> | "all";

export class RunOutputs {
  /** Parsed outputs by node id, least recently used first. */
  private readonly cache = new Map<string, { value: unknown; bytes: number }>();
  private held = 0;
  /** Nodes whose stored output is kept by reference. */
  private readonly byRef: Set<string>;
  private readonly reads = new WeakMap<IRNode, Reads>();

  constructor(
    private readonly store: RunStore,
    private readonly bucket: R2Bucket,
    private readonly budget = OUTPUT_CACHE_BYTES,
  ) {
    this.byRef = new Set(store.referencedOutputs());
  }

  /** A context entry whose `output` reads through this cache (absent until there is one). */
  entry(nodeId: string, status: string): Entry {
    const outputs = this;
    return {
      status,
      get output() {
        return outputs.read(nodeId);
      },
    };
  }

  /** A node's output as just stored inline (`bytes`: its JSON's length). */
  stored(nodeId: string, value: unknown, bytes: number): void {
    this.byRef.delete(nodeId);
    this.remember(nodeId, value, bytes);
  }

  /** A node's output as just stored by reference: read from R2 when next named. */
  storedRef(nodeId: string): void {
    this.forget(nodeId);
    this.byRef.add(nodeId);
  }

  /** Drops everything parsed (storage was reloaded after a failed step). */
  reset(): void {
    this.cache.clear();
    this.held = 0;
    this.byRef.clear();
    for (const id of this.store.referencedOutputs()) this.byRef.add(id);
  }

  /**
   * The context to evaluate `node` in: the outputs kept by reference that it reads, fetched.
   * Without any, `base` itself. The answer holds what it fetched for as long as the caller
   * keeps it, whatever the cache evicts meanwhile.
   */
  async contextFor(ir: IR, node: IRNode, base: RunContext): Promise<RunContext> {
    if (this.byRef.size === 0) return base;
    const reads = this.readsOf(ir, node);
    const ids = [...this.byRef].filter((id) => reads === "all" || reads.has(id));
    if (ids.length === 0) return base;
    const values = await Promise.all(ids.map((id) => this.load(id)));
    const loaded = new Map<string | symbol, Entry>();
    ids.forEach((id, i) => {
      loaded.set(id, { status: base.nodes[id]?.status ?? "succeeded", output: values[i] });
    });
    // A proxy, not a copy: JSONata reads own properties, and a copy would cost O(nodes).
    const nodes = new Proxy(base.nodes, {
      get: (target, key) => (loaded.has(key) ? loaded.get(key) : Reflect.get(target, key)),
      getOwnPropertyDescriptor: (target, key) =>
        loaded.has(key)
          ? { value: loaded.get(key), enumerable: true, configurable: true, writable: true }
          : Reflect.getOwnPropertyDescriptor(target, key),
    });
    return { ...base, nodes };
  }

  /**
   * Drops every parsed output: the run ended or waits, and evaluates nothing until it is woken.
   * Many runs' objects can share an isolate (and its 128 MB), so an idle run holds none; an
   * output named later is read again from storage.
   */
  release(): void {
    this.cache.clear();
    this.held = 0;
  }

  /** Bytes held now (tests and the run view). */
  heldBytes(): number {
    return this.held;
  }

  private read(nodeId: string): unknown {
    const hit = this.cache.get(nodeId);
    if (hit) {
      this.cache.delete(nodeId);
      this.cache.set(nodeId, hit);
      return hit.value;
    }
    const stored = this.store.output(nodeId);
    if (!stored) return undefined;
    if (stored.ref) {
      // contextFor fetches every output kept by reference that an evaluation names; reaching
      // here means an expression read one it could not see ahead.
      throw new Error(
        `the output of "${nodeId}" is kept by reference (${stored.ref.bytes} bytes) and was read without being named; name it as nodes.${nodeId}.output`,
      );
    }
    const value = JSON.parse(stored.json) as unknown;
    this.remember(nodeId, value, stored.json.length);
    return value;
  }

  private async load(nodeId: string): Promise<unknown> {
    const hit = this.cache.get(nodeId);
    if (hit) return hit.value;
    const stored = this.store.output(nodeId);
    if (!stored) return undefined;
    if (!stored.ref) return this.read(nodeId);
    const value = await readOutputRef(this.bucket, stored.ref);
    // The output may have changed while R2 answered (a loop stored a newer one).
    if (this.store.outputHash(nodeId) === stored.hash)
      this.remember(nodeId, value, stored.ref.bytes);
    return value;
  }

  private remember(nodeId: string, value: unknown, bytes: number): void {
    this.forget(nodeId);
    // One output larger than the whole budget is not kept: it is read again when named.
    if (bytes > this.budget) return;
    this.cache.set(nodeId, { value, bytes });
    this.held += bytes;
    for (const [id, entry] of this.cache) {
      if (this.held <= this.budget) break;
      this.cache.delete(id);
      this.held -= entry.bytes;
    }
  }

  private forget(nodeId: string): void {
    const old = this.cache.get(nodeId);
    if (!old) return;
    this.cache.delete(nodeId);
    this.held -= old.bytes;
  }

  /** The nodes an evaluation of `node` may read: its config's references and its inputs. */
  private readsOf(ir: IR, node: IRNode): Reads {
    const known = this.reads.get(node);
    if (known) return known;
    const refs = configReferences(node.type, node.config);
    if (node.body) mergeReferences(refs, configReferences(node.body.type, node.body.config));
    for (const id of node.fused ?? []) {
      const member = ir.nodes[ir.byId[id]!];
      if (member) mergeReferences(refs, configReferences(member.type, member.config));
    }
    // A join's output gathers its inputs' outputs.
    for (const edge of node.in) refs.nodes.add(ir.edges[edge]!.from);
    const reads: Reads = refs.unknown ? "all" : refs.nodes;
    this.reads.set(node, reads);
    return reads;
  }
}
