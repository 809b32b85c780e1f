#!/usr/bin/env node
import("../dist/cli.js").catch((e) => {
  if (e && e.code === "ERR_MODULE_NOT_FOUND") {
    process.stderr.write("layerlint: not built yet: run `npm install` (or `npm run build`) in the layerlint folder\n");
  } else {
    process.stderr.write(`layerlint: internal error: ${e && e.message}\n`);
  }
  process.exitCode = 2;
});
