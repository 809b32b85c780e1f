import { writeFileSync } from "node:fs";
import yargs from "yargs";
import { rules } from "../../rules/index.js";
import { UsageError } from "../errors.js";
import { impact } from "../impact/index.js";
import { toHtml, toJson, toMarkdown, toTable } from "../impact/render.js";
import { readDockerfile } from "./files.js";
import { parse } from "../parse/index.js";
import { strictCommandLine } from "./args.js";
import { readLogArg } from "./why.js";

const FORMATS = ["table", "json", "markdown", "html"] as const;

/** `layerlint impact [Dockerfile]`: how often each step re-ran over the history, before and after the fixes. */
export async function run(argv: string[]): Promise<number> {
  const words = argv.flatMap((w, i) => (w === "-" && argv[i - 1] === "--timings" ? [] : w === "--timings" && argv[i + 1] === "-" ? ["--timings=-"] : [w]));
  const y = yargs(words)
    .scriptName("layerlint impact")
    .usage("$0 [Dockerfile]\n\nReplay the commits that touched the build context through the cache model: how often each step re-ran, and how often it would after layerlint's safe fixes.")
    .option("commits", { alias: "n", type: "number", describe: "the last N commits that touched the context (default 50)" })
    .option("since", { type: "string", describe: "every commit since this git ref instead" })
    .option("context", { type: "string", describe: "build context directory (default: the Dockerfile's directory)" })
    .option("target", { type: "string", describe: "the stage being built (default: the last)" })
    .option("format", { alias: "f", type: "string", default: "table", describe: `output: ${FORMATS.join(", ")}` })
    .option("timings", { type: "string", describe: "a log of a full, uncached build (docker build --progress=plain or rawjson; - for standard input): report time, not only counts" })
    .option("output-file", { alias: "o", type: "string", describe: "write the report to this file" });
  const args = strictCommandLine(y)
    .command("$0 [dockerfile]", false, (b) => b.positional("dockerfile", { type: "string", default: "Dockerfile" }))
    .parseSync() as unknown as { dockerfile: string; commits?: number; since?: string; context?: string; target?: string; format: string; outputFile?: string; timings?: string };
  if (argv.includes("--help") || argv.includes("-h")) return 0;
  if (!(FORMATS as readonly string[]).includes(args.format)) throw new UsageError(`unknown format "${args.format}" (known: ${FORMATS.join(", ")})`);
  if (args.commits !== undefined && (!Number.isInteger(args.commits) || args.commits < 1)) throw new UsageError("--commits takes a whole number of at least 1");
  if (args.commits !== undefined && args.since) throw new UsageError("--commits and --since exclude each other");

  const source = readDockerfile(args.dockerfile);
  // Anything else would replay to "No expensive step re-ran", which reads as an answer.
  if (parse(source, args.dockerfile).stages.length === 0) throw new UsageError("not a Dockerfile (it has no FROM instruction): impact replays a Dockerfile's steps", args.dockerfile);
  const timings = args.timings !== undefined ? { log: readLogArg(args.timings), name: args.timings === "-" ? "<stdin>" : args.timings } : undefined;
  const progress = process.stderr.isTTY ? progressBar() : undefined;
  const report = impact({
    dockerfilePath: args.dockerfile,
    source,
    rules,
    context: args.context,
    commits: args.commits,
    since: args.since,
    target: args.target,
    onProgress: progress,
    timings,
  });
  if (progress) process.stderr.write("\r\x1b[K");
  const render = { table: toTable, json: toJson, markdown: toMarkdown, html: toHtml }[args.format as (typeof FORMATS)[number]];
  const out = render(report);
  if (args.outputFile) writeFileSync(args.outputFile, out);
  else process.stdout.write(out);
  return 0;
}

/** A one-line bar on standard error, redrawn in place; only used on a TTY. */
function progressBar(): (done: number, total: number) => void {
  return (done, total) => {
    const width = 30;
    const filled = total === 0 ? width : Math.round((done / total) * width);
    process.stderr.write(`\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total} commits`);
  };
}
