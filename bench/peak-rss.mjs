// Preloaded with --import into a benchmarked process: when it exits, its
// peak resident set size (KiB, worker threads included) is written to the
// file named by LAYERLINT_BENCH_RSS_FILE.
import { writeFileSync } from "node:fs";

const file = process.env.LAYERLINT_BENCH_RSS_FILE;
if (file) process.on("exit", () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
