#!/usr/bin/env node
// CommonJS (.cjs): Node starts a CommonJS main
// without its ES module loader, a few milliseconds of every run.
try {
  require("../dist/start.cjs");
} catch (e) {
  if (e && e.code === "MODULE_NOT_FOUND" && String(e.message).split("\n")[0].includes("start.cjs")) {
    process.stderr.write("layerlint: not built yet: run `npm install` (or `npm run build`) in the layerlint folder\n");
  } else {
    process.stderr.write(`layerlint: internal error: ${e && e.message}\n`);
  }
  process.exitCode = 2;
}
