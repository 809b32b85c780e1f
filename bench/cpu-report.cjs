// Preloaded (node -r) into a timed process: at exit it writes its CPU time
// (user + system, microseconds, all threads) and peak RSS (KiB) to file
// descriptor 3 when the benchmark opened it. CPU time is what start-up costs
// the machine and, unlike wall time, barely moves when other processes
// compete for the cores.
"use strict";
const { writeSync } = require("node:fs");
process.on("exit", () => {
  const cpu = process.cpuUsage();
  try {
    writeSync(3, `${cpu.user + cpu.system} ${process.resourceUsage().maxRSS}\n`);
  } catch {
    // not run by the benchmark
  }
});
