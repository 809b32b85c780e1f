// Many files: the CLI over a tree of 2,000 Dockerfiles, serial
// (the default) against the opt-in worker pool (LAYERLINT_WORKERS=cores-1:
// the main thread lints too), with the speed-up, the CPU time and each
// run's peak RSS; then the 40,000-line file's peak RSS.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, ROOT, median, mib, ms, ratio, runWithPeakRss, table } from "./lib.mjs";
import { bigDockerfile, writeTree } from "./generate.mjs";

/**
 * How much parallel CPU this process can get right now: the same busy loop
 * on N worker threads at once against one. On an idle 2-core machine this is
 * about 2x; when other processes hold the cores it falls towards 1x, and no
 * pool can beat it. The pool's speed-up is judged against this capacity.
 */
export async function parallelCapacity(threads = availableParallelism()) {
  const { Worker } = await import("node:worker_threads");
  const code = 'let x = 0; for (let i = 0; i < 2e8; i++) x += i % 7; require("node:worker_threads").parentPort.postMessage(x);';
  const run = (n) =>
    new Promise((resolve, reject) => {
      const t0 = performance.now();
      let done = 0;
      for (let i = 0; i < n; i++) {
        const w = new Worker(code, { eval: true });
        w.on("error", reject);
        w.on("message", () => {
          void w.terminate();
          if (++done === n) resolve(performance.now() - t0);
        });
      }
    });
  const one = await run(1);
  const all = await run(threads);
  return (one * threads) / all;
}

export async function manyFiles({ files = 2000, runs = 3 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "layerlint-tree-"));
  try {
    writeTree(dir, files);
    const workers = Math.max(1, availableParallelism() - 1);
    const pooledLabel = `worker pool (LAYERLINT_WORKERS=${workers})`;
    const variants = {
      serial: { LAYERLINT_WORKERS: "0" },
      // The pool is opt-in (src/cli/pool.ts): one thread per core, the main thread being one of them.
      [pooledLabel]: { LAYERLINT_WORKERS: String(workers) },
    };
    const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, { ms: [], rss: [], cpu: [] }]));
    for (let i = -1; i < runs; i++) {
      for (const [label, env] of Object.entries(variants)) {
        const r = runWithPeakRss([BIN, "services"], { cwd: dir, env });
        if (r.status !== 0 && r.status !== 1) throw new Error(`${label}: exit ${r.status}: ${r.stderr.slice(0, 400)}`);
        if (i < 0) continue;
        samples[label].ms.push(r.ms);
        samples[label].rss.push(r.maxRssKiB);
        samples[label].cpu.push(r.cpuMs);
      }
    }
    const capacity = await parallelCapacity();
    const serial = median(samples.serial.ms);
    const pooled = median(samples[pooledLabel].ms);
    const speedup = serial / pooled;

    const big = join(dir, "big.Dockerfile");
    writeFileSync(big, bigDockerfile(40000));
    // Through the library: the CLI refuses files over its size limit (MAX_FILE_BYTES).
    const bigRun = runWithPeakRss([join(ROOT, "bench/lint-file.mjs"), big], { cwd: dir });
    if (bigRun.status !== 0 && bigRun.status !== 1) throw new Error(`40k-line file: exit ${bigRun.status}: ${bigRun.stderr.slice(0, 400)}`);
    const node = runWithPeakRss(["-e", "0"]);

    // CPU time over wall time: how many cores a run kept busy (V8's compiler and GC threads count).
    const rows = Object.entries(samples).map(([label, s]) => [label, ms(median(s.ms)), ratio(serial / median(s.ms)), ms(median(s.cpu)), ratio(median(s.cpu) / median(s.ms)), mib(median(s.rss))]);
    rows.push(["40,000-line file (library)", ms(bigRun.ms), "", ms(bigRun.cpuMs), "", mib(bigRun.maxRssKiB)]);
    rows.push(["node -e 0", ms(node.ms), "", ms(node.cpuMs), "", mib(node.maxRssKiB)]);
    return {
      text:
        `Many files: ${files} Dockerfiles in one tree, whole CLI runs (${runs} runs, medians; ${availableParallelism()} cores)\n` +
        table([["run", "wall", "speed-up", "cpu", "cores busy", "peak RSS"], ...rows]) +
        `\nparallel capacity now: ${ratio(capacity)} (a CPU-bound loop on ${availableParallelism()} threads against 1; the most any pool could gain)`,
      figures: {
        serialMs: serial,
        serialCpuMs: median(samples.serial.cpu),
        pooledCpuMs: median(samples[pooledLabel].cpu),
        pooledMs: pooled,
        speedup,
        capacity,
        treeRssMiB: median(samples[pooledLabel].rss) / 1024,
        treeSerialRssMiB: median(samples.serial.rss) / 1024,
        bigRssMiB: bigRun.maxRssKiB / 1024,
        bigMs: bigRun.ms,
        nodeRssMiB: node.maxRssKiB / 1024,
      },
      goals: [
        {
          name: "many files use every core",
          value: speedup,
          goal: `a speed-up over serial (> 1x; capacity ${ratio(capacity)})`,
          met: availableParallelism() < 2 || speedup > 1,
        },
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await manyFiles();
  console.log(r.text);
}
