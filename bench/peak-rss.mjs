// Preloaded with --import into a benchmarked process: when it exits, its
// peak resident set size (KiB) and its CPU time (user + system, µs), worker
// and V8 helper threads included, are written to the file named by
// LAYERLINT_BENCH_RSS_FILE.
import { writeFileSync } from "node:fs";

const file = process.env.LAYERLINT_BENCH_RSS_FILE;
if (file) {
  process.on("exit", () => {
    const r = process.resourceUsage();
    writeFileSync(file, `${r.maxRSS} ${r.userCPUTime + r.systemCPUTime}`);
  });
}
