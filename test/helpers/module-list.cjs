// Preloaded with `node -r` by test/perf-fast-path.test.ts: at exit, writes the
// Node built-in modules the process loaded to the file LAYERLINT_MODULE_LIST names.
"use strict";
process.on("exit", () => {
  require("node:fs").writeFileSync(process.env.LAYERLINT_MODULE_LIST, process.moduleLoadList.join("\n"));
});
