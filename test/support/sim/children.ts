/**
 * Generation 6 of the simulation: the child runs' objects a root run starts (subworkflow nodes
 * and maps over a subworkflow step). Each lives in its own slot object of the test pool and is
 * only ever entered there (`SimObject.enter`); this module settles them after an action, offers
 * the simulation their alarms and deferred work, delivers their jobs' results, checks them after
 * every action, and checks the family at the end: every child named once by its parent and
 * started once, none left running, every notice taken, and the parent's outputs the children's.
 */
import { canonicalJson } from "../../../core/cas/hash";
import { TERMINAL_RUN } from "../../../core/scheduler/state";
import type { ExecuteJob } from "../../../core/wire/node-job";
import type { NodeResult } from "../../../core/wire/node-result";
import type { ParentLink } from "../../../durable-objects/run/child-runs";
import { ChildBook, type ChildRecord } from "../../../durable-objects/run/children";
import { checkStep, type RunRecord, recordOf } from "./checks";
import { SimCrash, type SimObject, type World } from "./world";

type Action = { name: string; run: () => Promise<unknown> };

/** A child object as the case ends. */
export interface FamilyMember {
  label: string;
  runId: string;
  record: RunRecord | null;
  parent: ParentLink | null;
  /** The output its run ended with, canonical JSON (completed runs). */
  output: string | null;
  /** Times a create found no run in it and made one. */
  created: number;
}

export class ChildDriver {
  /** What the checks found in the child objects since the simulation last asked. */
  private readonly found: string[] = [];

  constructor(
    private readonly world: World,
    private readonly trace: string[],
    private readonly reference: boolean,
    /** The queue window the case runs with (checks.ts). */
    private readonly window: number,
  ) {}

  /** A result's key in the runner's record: a child's is prefixed with its label. */
  keyOf(runId: string, key: string): string {
    const o = this.world.objectOf(runId);
    return !o || o === this.world.root ? key : `${o.label}:${key}`;
  }

  /**
   * Runs `fn` in the object's context; a crash of the object stops it there (as a dead
   * object's code runs no more) and is thrown as `SimCrash`.
   */
  private inside<T>(o: SimObject, fn: () => Promise<T>): Promise<T> {
    return o
      .enter(async () => {
        const life = o.life();
        return Promise.race([
          fn().then(
            (value) => ({ value }),
            (error: unknown) => ({ error }),
          ),
          life.crashed.then(() => ({ error: new SimCrash(`${o.label}`) as unknown })),
        ]);
      })
      .then((outcome) => {
        if ("error" in outcome) throw outcome.error;
        return outcome.value;
      });
  }

  /** The runner's report to the run a job came from. */
  complete(runId: string, results: NodeResult[], room = 0): Promise<ExecuteJob[]> {
    const o = this.world.objectOf(runId);
    if (!o) return Promise.resolve([]);
    if (o === this.world.root) return o.opened.engine.complete(results, room);
    return this.inside(o, () => o.opened.engine.complete(results, room));
  }

  /**
   * After an action: every object settles (a crashed one wakes first), again and again until a
   * whole pass starts no call between objects, so the next action meets the same state.
   */
  async settle(): Promise<void> {
    const { world, trace } = this;
    const root = world.root;
    for (let pass = 0; pass < 200; pass++) {
      const before = world.calls;
      let woke = false;
      for (const c of world.children()) {
        if (!c.unsettled && !c.dead()) continue;
        await c.enter(async () => {
          c.unsettled = false;
          if (c.dead()) {
            trace.push(`  ${c.label}: ${c.lastCrash}; restart ${world.crashes}`);
            await c.revive();
            woke = true;
          }
          await Promise.race([c.opened.engine.settled(), c.crashSignal()]);
          // Checked where it settled: its last settling in the last pass saw its last state.
          if (!c.dead() && c.opened.engine.loaded) {
            const found = checkStep(c.opened, c.storage, this.window);
            this.found.push(...found.map((p) => `${c.label}: ${p}`));
          }
        }, false);
        if (c.dead()) woke = true;
      }
      await Promise.race([root.opened.engine.settled(), root.crashSignal()]);
      while (root.dead()) {
        trace.push(`  ${root.lastCrash}; restart ${world.crashes}`);
        await root.revive();
        woke = true;
      }
      for (const line of world.log.splice(0)) trace.push(line);
      const quiet = world.children().every((c) => !c.unsettled && !c.dead());
      if (!woke && quiet && world.calls === before) return;
    }
    throw new Error("the objects never settled (200 passes)");
  }

  /** The invariants of checks.ts in every child object, as found when they settled. */
  check(): string[] {
    return this.found.splice(0);
  }

  /** A live object to crash between actions: any, once the root has children. */
  victim(): SimObject {
    const { world } = this;
    const live = world.children().filter((c) => !c.dead());
    if (live.length === 0) return world.root;
    const all = [world.root, ...live];
    return all[world.rng.int(all.length)]!;
  }

  /** What the child objects offer: their deferred work and their alarms (on time, early, twice). */
  actions(): Action[] {
    const { world, reference } = this;
    const { rng } = world;
    const rates = world.options.rates;
    const list: Action[] = [];
    for (const c of world.children()) {
      const due = c.laters.filter((l) => l.at <= world.clock);
      if (due.length > 0) {
        list.push({
          name: `deferred work ${c.label}`,
          run: () =>
            this.inside(c, async () => {
              const entry = due[0]!;
              c.laters.splice(c.laters.indexOf(entry), 1);
              entry.fn();
            }),
        });
      }
      const alarmAt = c.alarmAt;
      if (
        alarmAt !== null &&
        (alarmAt <= world.clock || (!reference && rng.chance(rates.alarmEarly)))
      ) {
        list.push({
          name: `${alarmAt <= world.clock ? "alarm" : "alarm (early)"} ${c.label}`,
          run: () =>
            this.inside(c, async () => {
              if (alarmAt > world.clock) world.faults.add("alarm_early");
              c.alarmAt = null;
              try {
                await c.opened.engine.alarm();
              } catch (err) {
                // The platform retries a failed alarm.
                c.alarmAt ??= alarmAt;
                throw err;
              }
              if (!reference && rng.chance(rates.alarmTwice)) {
                world.faults.add("alarm_twice");
                await c.opened.engine.alarm();
              }
            }),
        });
      }
    }
    return list;
  }

  /** Each child object as the case ends. */
  async records(): Promise<FamilyMember[]> {
    const members: FamilyMember[] = [];
    for (const c of this.world.children()) {
      members.push(
        await c.enter(async () => {
          const record = recordOf(c.opened, c.storage);
          const run = c.opened.engine.loaded;
          const out = run?.state.outputNode ? c.store().output(run.state.outputNode) : undefined;
          return {
            label: c.label,
            runId: c.name,
            record,
            parent: c.store().getMeta<ParentLink>("parent") ?? null,
            output:
              run?.state.status === "completed"
                ? out
                  ? out.ref
                    ? `ref:${out.ref.hash}`
                    : canonicalJson(JSON.parse(out.json) as unknown)
                  : "null"
                : null,
            created: this.world.created.get(c.name) ?? 0,
          };
        }),
      );
    }
    return members;
  }

  /**
   * The family at the end: every child object is one its parent named, for its own place
   * (node, attempt, item), started once, ended (none left running after its parent ended), with
   * nothing left to tell; the parent took each child's end once and its outputs are the
   * children's.
   */
  async endChecks(root: RunRecord, family: FamilyMember[]): Promise<string[]> {
    const { world } = this;
    const problems: string[] = [];
    const named = new ChildBook(world.root.storage.sql).all();
    const byId = new Map<string, ChildRecord>();
    for (const row of named) {
      if (byId.has(row.childRunId)) problems.push(`child ${row.childRunId} named twice`);
      byId.set(row.childRunId, row);
    }
    for (const m of family) {
      const row = byId.get(m.runId);
      if (!m.record) {
        // An object a cancel or a notice reached before (or instead of) its create: no run.
        if (m.created > 0) problems.push(`${m.label}: created, but holds no run`);
        continue;
      }
      if (!row) {
        problems.push(`${m.label}: a child its parent never named`);
        continue;
      }
      const p = m.parent;
      if (
        !p ||
        p.runId !== world.root.name ||
        p.nodeId !== row.nodeId ||
        p.attempt !== row.attempt ||
        p.item?.index !== row.item?.index ||
        p.item?.attempt !== row.item?.attempt
      ) {
        problems.push(`${m.label}: its parent link ${JSON.stringify(p)} is not its place`);
      }
      if (m.created > 1) problems.push(`${m.label}: started ${m.created} times`);
      if (!TERMINAL_RUN.has(m.record.status)) {
        problems.push(`${m.label}: left ${m.record.status} after its parent ended`);
      }
      if (m.record.tokens !== 0) problems.push(`${m.label}: tokens left ${m.record.tokens}`);
      if (m.record.timers !== 0) problems.push(`${m.label}: timers left ${m.record.timers}`);
      if (m.record.outbox !== 0)
        problems.push(`${m.label}: blobs never written ${m.record.outbox}`);
      if (m.record.notices !== 0) {
        problems.push(`${m.label}: ${m.record.notices} notices never taken`);
      }
      const d1 = await world.env.DB.prepare("SELECT status FROM runs WHERE id = ?")
        .bind(m.runId)
        .first<{ status: string }>();
      if (d1?.status !== m.record.status) {
        problems.push(
          `${m.label}: D1 says ${d1?.status ?? "nothing"}, the object ${m.record.status}`,
        );
      }
    }
    if (root.notices !== 0) problems.push(`the root left ${root.notices} notices never taken`);
    // The parent's outputs are its children's: a subworkflow node that succeeded holds the
    // output of its attempt's child; a map over a subworkflow step, each item's last child's.
    const members = new Map(family.map((m) => [m.runId, m]));
    const lastTry = new Map<string, ChildRecord>();
    for (const row of named) {
      const m = members.get(row.childRunId);
      const node = root.nodes[row.nodeId];
      if (!row.item) {
        if (node?.status !== "succeeded" || !m?.output) continue;
        const held = root.outputs[row.nodeId];
        const own = held?.startsWith("ref:") ? held : held && canonicalJson(JSON.parse(held));
        if (row.attempt === root.attempts[row.nodeId] && own !== m.output) {
          problems.push(
            `output of ${row.nodeId} is ${held}, its child ${m.label} ended with ${m.output}`,
          );
        }
        continue;
      }
      const key = `${row.nodeId}#${row.attempt}#${row.item.index}`;
      const before = lastTry.get(key);
      if (!before || before.item!.attempt < row.item.attempt) lastTry.set(key, row);
    }
    for (const row of lastTry.values()) {
      const m = members.get(row.childRunId);
      if (root.nodes[row.nodeId]?.status !== "succeeded") continue;
      if (row.attempt !== root.attempts[row.nodeId] || !m?.output) continue;
      const item = root.items[`${row.nodeId}#${row.item!.index}`];
      if (item !== undefined && canonicalJson(JSON.parse(item)) !== m.output) {
        problems.push(
          `item ${row.item!.index} of ${row.nodeId} is ${item}, its child ${m.label} ended with ${m.output}`,
        );
      }
    }
    // Each child's end is taken once: an item succeeds at most once per attempt of its map.
    const attempts = new Map<string, Set<number>>();
    for (const row of named) {
      if (!row.item) continue;
      const set = attempts.get(row.nodeId) ?? new Set<number>();
      set.add(row.attempt);
      attempts.set(row.nodeId, set);
    }
    const successes = new Map<string, number>();
    for (const e of root.events) {
      if (e.type !== "map_item_succeeded" || !e.nodeId || !attempts.has(e.nodeId)) continue;
      const key = `${e.nodeId}#${String(e.data.index)}`;
      successes.set(key, (successes.get(key) ?? 0) + 1);
    }
    for (const [key, n] of successes) {
      const runs = attempts.get(key.split("#")[0]!)!.size;
      if (n > runs) problems.push(`item ${key} taken ${n} times over ${runs} attempts of its map`);
    }
    return problems;
  }
}
