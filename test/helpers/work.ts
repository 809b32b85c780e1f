import { Session } from "node:inspector";

/**
 * Import this module before any module of src/ or rules/: it starts V8's
 * coverage as it loads, and only functions compiled after that are counted.
 *
 * Counts the work layerlint's own code does, deterministically: V8's block
 * coverage gives the exact number of times each function and each block
 * (loop bodies, branches) of src/ and rules/ ran. The count does not depend
 * on the machine's load, the JIT tier or the garbage collector, so a growth
 * check on it (n against 4n) cannot fail because the machine is busy.
 * Work inside builtins (a Map copied by its constructor, an array spread) is
 * not seen: structures whose copies matter count their own operations.
 */
const session = new Session();
session.connect();
post("Profiler.enable");
post("Profiler.startPreciseCoverage", { callCount: true, detailed: true });

function post(method: string, params?: object): unknown {
  let result: unknown;
  let failure: Error | null = null;
  // The inspector of the current thread answers synchronously.
  session.post(method, params, (err, res) => {
    if (err) failure = err;
    result = res;
  });
  if (failure) throw failure;
  return result;
}

interface Coverage {
  result: { url: string; functions: { ranges: { count: number }[] }[] }[];
}

/** layerlint's code and the dependencies that do work per instruction or per path: the parser and the matchers. */
function ownCode(url: string): boolean {
  if (url.includes("/node_modules/")) return /\/node_modules\/(dockerfile-ast|@balena\/dockerignore|picomatch|ignore)\//.test(url);
  return /\/(src|rules)\/[^?]*\.ts(\?|$)/.test(url);
}

/** Blocks of src/, rules/ and the parser and matchers executed by fn (run once before, so that one-time set-up is not counted). */
export function countWork(fn: () => void, include: (url: string) => boolean = ownCode): number {
  fn();
  // Taking the coverage resets the counters: what follows counts fn alone.
  post("Profiler.takePreciseCoverage");
  fn();
  const { result } = post("Profiler.takePreciseCoverage") as Coverage;
  let total = 0;
  for (const script of result) {
    if (!include(script.url)) continue;
    for (const f of script.functions) for (const r of f.ranges) total += r.count;
  }
  return total;
}

/** The work at 4n divided by the work at n: about 4 for linear code, 16 for quadratic. */
export function workGrowth(run: (n: number) => void, n: number): { small: number; large: number; ratio: number } {
  const small = countWork(() => run(n));
  const large = countWork(() => run(4 * n));
  return { small, large, ratio: large / Math.max(small, 1) };
}
