/** Time an expression may run when its node sets no `expressionTimeoutMs` (ms). */
export const DEFAULT_EXPRESSION_TIMEOUT_MS = 100;
/** The most a node may give its expressions (`expressionTimeoutMs`), ms. */
export const MAX_EXPRESSION_TIMEOUT_MS = 1000;
/**
 * Deepest JSONata evaluation nesting allowed. Plain expressions stay under ~50; every level of a
 * non-tail recursive function costs about 3 (`1 + $f($n - 1)`), so this allows ~330 levels.
 * Each level holds suspended async frames on the heap: the issue's `$f(100000)` reached depth
 * 300,000 and 610 MB in Node, far past a Durable Object's 128 MB.
 */
export const MAX_EXPRESSION_DEPTH = 1000;

/** Evaluation steps between two looks at the clock (Date.now() on every step costs ~5%). */
const CHECK_EVERY = 64;
/** Longest stretch of evaluation before the meter lets other events of the isolate run (ms). */
const YIELD_AFTER_MS = 10;
/**
 * Steps after which the meter yields even if the clock says no time passed: on Cloudflare the
 * clock only moves at I/O, so without this a long expression would never see its deadline.
 */
const YIELD_AFTER_STEPS = 16_384;

/** What bounds one evaluation. */
export interface ExpressionLimits {
  /** Budget in ms (default DEFAULT_EXPRESSION_TIMEOUT_MS). */
  timeoutMs?: number;
  /** A meter already counting (one node's templates share one budget); wins over timeoutMs. */
  meter?: Meter;
}

/** An evaluation stopped by its bounds; `code` is the NodeError code the node fails with. */
export class ExpressionLimitError extends Error {
  constructor(
    readonly code: "expression_timeout" | "expression_too_deep",
    message: string,
  ) {
    super(message);
    this.name = "ExpressionLimitError";
  }
}

/**
 * Counts one evaluation's steps and time, from JSONata's evaluate-entry callback. The budget is
 * wall time from the meter's creation, yields included: a node's expressions end by then, at
 * the latest one clock check later (CHECK_EVERY steps), however busy the object is.
 * @example
 * const meter = new Meter(100);
 * await meter.step(depth); // throws ExpressionLimitError past 100 ms or MAX_EXPRESSION_DEPTH
 */
export class Meter {
  private steps = 0;
  private nextCheck = CHECK_EVERY;
  private readonly startedAt = Date.now();
  private sliceStart = this.startedAt;
  private sliceSteps = 0;

  constructor(readonly timeoutMs: number = DEFAULT_EXPRESSION_TIMEOUT_MS) {}

  /** One evaluation step at `depth`; a promise when it yields to the event loop. */
  step(depth: number): Promise<void> | undefined {
    if (depth > MAX_EXPRESSION_DEPTH) {
      throw new ExpressionLimitError(
        "expression_too_deep",
        `expression nests deeper than ${MAX_EXPRESSION_DEPTH} levels (a recursive function that does not stop, or recurses once per item: use $reduce, $map or a tail call)`,
      );
    }
    if (++this.steps < this.nextCheck) return undefined;
    this.nextCheck = this.steps + CHECK_EVERY;
    const now = Date.now();
    if (now - this.startedAt > this.timeoutMs) {
      throw new ExpressionLimitError(
        "expression_timeout",
        `expression ran longer than its ${this.timeoutMs} ms budget; raise the node's expressionTimeoutMs (at most ${MAX_EXPRESSION_TIMEOUT_MS}) or make the expression cheaper`,
      );
    }
    if (
      now - this.sliceStart >= YIELD_AFTER_MS ||
      this.steps - this.sliceSteps >= YIELD_AFTER_STEPS
    ) {
      return this.pause();
    }
    return undefined;
  }

  private async pause(): Promise<void> {
    // A macrotask, like durable-objects/run/slice.ts: RPC answers and frames go out meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 0));
    this.sliceStart = Date.now();
    this.sliceSteps = this.steps;
  }
}
