// `npm run bench`: every benchmark, each figure as a ratio to a baseline
// measured in the same run, then a summary of the goals. Exits 1 when the
// scaling curve bends upward (a super-linear pass slipped in); the other
// goals are reported, not enforced, because they depend on the machine.
//
//   node bench/run.mjs [--quick] [--only startup,inprocess,scaling,shapes,many,lsp] [--json FILE]
import { existsSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, totalmem } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT, ms, ratio, table } from "./lib.mjs";
import { startup } from "./startup.mjs";
import { inProcess } from "./inprocess.mjs";
import { scaling, shapeScaling } from "./scaling.mjs";
import { manyFiles } from "./many.mjs";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const onlyAt = argv.indexOf("--only");
const only = onlyAt >= 0 ? new Set(argv[onlyAt + 1].split(",")) : null;
const jsonAt = argv.indexOf("--json");
const want = (name) => !only || only.has(name);

const machine = `${availableParallelism()} cores (${cpus()[0]?.model ?? "unknown CPU"}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${process.platform}-${process.arch}`;
console.log(`layerlint benchmarks on ${machine}${quick ? " (quick)" : ""}\n`);

const results = {};
const section = (name, r) => {
  results[name] = r;
  console.log(r.text + "\n");
};

if (want("startup")) section("startup", startup({ runs: quick ? 15 : 60 }));
if (want("inprocess")) section("inprocess", await inProcess({ rounds: quick ? 3 : 9 }));
if (want("scaling")) section("scaling", await scaling({ rounds: quick ? 1 : 5 }));
if (want("shapes")) section("shapes", await shapeScaling({ rounds: quick ? 1 : 3 }));
if (want("many")) section("many", await manyFiles({ files: 2000, runs: quick ? 1 : 3 }));

// The editor benchmark belongs to the language server; run it when it exists.
const lsp = join(ROOT, "bench/lsp-relint.mjs");
if (want("lsp")) {
  if (existsSync(lsp)) {
    const { lspRelint } = await import(pathToFileURL(lsp).href);
    const r = await lspRelint(quick ? { runs: 20 } : {});
    // Its goals are absolute times, not ratios.
    section("lsp", { ...r, text: `Editor re-lint (bench/lsp-relint.mjs)\n${r.text}`, goals: (r.goals ?? []).map((g) => ({ ...g, display: ms(g.value) })) });
  } else {
    console.log("Editor re-lint: bench/lsp-relint.mjs does not exist yet\n");
  }
}

const goals = Object.values(results).flatMap((r) => r.goals ?? []);
console.log("Goals");
console.log(
  table([
    ["goal", "figure", "target", ""],
    ...goals.map((g) => [g.name, g.display ?? (typeof g.value === "number" ? ratio(g.value) : String(g.value)), g.goal, g.met ? "met" : "NOT MET"]),
  ]),
);

if (jsonAt >= 0) {
  const strip = (r) => ({ figures: r.figures, goals: r.goals });
  writeFileSync(argv[jsonAt + 1], JSON.stringify({ machine, date: new Date().toISOString(), results: Object.fromEntries(Object.entries(results).map(([k, v]) => [k, strip(v)])) }, null, 2) + "\n");
}
if (goals.some((g) => g.fatal && !g.met)) {
  console.log("\nFAILED: the scaling curve bends upward (see above)");
  process.exitCode = 1;
}
