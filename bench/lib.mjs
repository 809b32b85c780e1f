// Shared helpers for the benchmarks: medians, interleaved process timing,
// peak RSS of a child process, and result formatting.
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const BIN = join(ROOT, "bin/layerlint.cjs");
const CPU_REPORT = join(ROOT, "bench/cpu-report.cjs");

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function ms(n) {
  return `${n.toFixed(n < 10 ? 2 : 1)} ms`;
}

export function ratio(n) {
  return `${n.toFixed(2)}x`;
}

export function mib(kib) {
  return `${(kib / 1024).toFixed(0)} MiB`;
}

/**
 * Times whole processes. The commands are run round-robin (one run of each,
 * then the next round) so that a noisy neighbour or CPU frequency change
 * hits every command alike; the median of each is returned, as wall time
 * and, for node processes, as CPU time (user + system, reported from inside
 * the process by cpu-report.cjs, which both a baseline and a subject load).
 * Standard output is a pipe, as under a pre-commit hook or CI.
 * `commands` maps a label to [file, args, options?].
 */
export function timeProcesses(commands, { runs, warmup = 3 }) {
  const labels = Object.keys(commands);
  const wall = Object.fromEntries(labels.map((l) => [l, []]));
  const cpu = Object.fromEntries(labels.map((l) => [l, []]));
  for (let round = -warmup; round < runs; round++) {
    for (const label of labels) {
      const [file, args, options = {}] = commands[label];
      const isNode = file === process.execPath;
      const argv = isNode ? ["-r", CPU_REPORT, ...args] : args;
      const t0 = process.hrtime.bigint();
      const r = spawnSync(file, argv, { stdio: ["ignore", "pipe", "pipe", isNode ? "pipe" : "ignore"], ...options });
      const t = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.error) throw new Error(`${label}: ${r.error.message}`);
      if (round === -warmup && options.expectStatus !== undefined && !options.expectStatus.includes(r.status)) {
        throw new Error(`${label}: exit ${r.status}: ${String(r.stderr).slice(0, 400)}`);
      }
      if (round < 0) continue;
      wall[label].push(t);
      if (isNode && r.output[3]) cpu[label].push(Number(String(r.output[3]).split(" ")[0]) / 1000);
    }
  }
  return Object.fromEntries(labels.map((l) => [l, { wall: median(wall[l]), cpu: cpu[l].length ? median(cpu[l]) : null }]));
}

/**
 * Runs a node script in a child process with a preload that reports the
 * process's peak resident set size (worker threads included: they share
 * the process) and its CPU time when it exits. Returns { status, ms, maxRssKiB, cpuMs }.
 */
export function runWithPeakRss(args, options = {}) {
  const dir = mkdtempSync(join(tmpdir(), "layerlint-rss-"));
  const out = join(dir, "rss");
  try {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ["--import", join(ROOT, "bench/peak-rss.mjs"), ...args], {
      stdio: ["ignore", "ignore", "pipe"],
      ...options,
      env: { ...process.env, ...options.env, LAYERLINT_BENCH_RSS_FILE: out },
    });
    const t = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.error) throw r.error;
    const [rss, cpu] = readFileSync(out, "utf8").split(" ").map(Number);
    return { status: r.status, ms: t, maxRssKiB: rss, cpuMs: cpu / 1000, stderr: String(r.stderr) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Times a synchronous function: `rounds` timed rounds after warm-up, the median. */
export function timeInProcess(fn, { rounds, warmup = 2 }) {
  for (let i = 0; i < warmup; i++) fn();
  const samples = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return median(samples);
}

/** Prints a table with aligned columns. */
export function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => r.map((c, i) => String(c).padEnd(widths[i])).join("  ").trimEnd()).join("\n");
}
