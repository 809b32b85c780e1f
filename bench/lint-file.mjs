// Lints one file with the library and every rule on; run in a child
// process by many.mjs to measure the peak RSS of a big file. (The CLI
// refuses files over its size limit; the library takes any text.)
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "./lib.mjs";
import { allRulesOptions } from "./inprocess.mjs";

const layerlint = await import(pathToFileURL(join(ROOT, "dist/index.js")).href);
const text = readFileSync(process.argv[2], "utf8");
const { findings } = layerlint.lint(text, allRulesOptions(layerlint.rules));
process.stdout.write(`${findings.length} findings\n`);
