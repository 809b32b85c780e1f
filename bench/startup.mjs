// Cold start: one typical Dockerfile, the whole process, as a ratio to
// `node -e 0` timed in the same interleaved rounds. Peers are timed the
// same way for comparison.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BIN, ROOT, ms, ratio, table, timeProcesses } from "./lib.mjs";
import { medianFile } from "./generate.mjs";

export const GOAL = 1.15;

export function startup({ runs = 60, peers = true } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "layerlint-startup-"));
  try {
    const file = join(dir, "Dockerfile");
    writeFileSync(file, medianFile());
    const node = process.execPath;
    // The CLI exits 1 when a finding is an error; either 0 or 1 is a normal run.
    const commands = {
      "node -e 0": [node, ["-e", "0"]],
      "layerlint Dockerfile": [node, [BIN, file], { cwd: dir, expectStatus: [0, 1] }],
      "layerlint --format json": [node, [BIN, "--format", "json", file], { cwd: dir, expectStatus: [0, 1] }],
      // An editor on save sends the buffer on standard input.
      "layerlint --stdin (editor)": [node, [BIN, "--stdin", "--stdin-filename", file, "--format", "json"], { cwd: dir, expectStatus: [0, 1], input: readFileSync(file), stdio: ["pipe", "pipe", "pipe", "pipe"] }],
      // Any other option goes through yargs: the price of leaving the fast path.
      "layerlint --build-arg (yargs)": [node, [BIN, "--build-arg", "UNUSED=1", file], { cwd: dir, expectStatus: [0, 1] }],
    };
    if (peers) {
      commands["dockerfile-utils lint"] = [node, [join(ROOT, "node_modules/dockerfile-utils/bin/dockerfile-utils"), "lint", file]];
      commands["dockerfilelint"] = [node, [join(ROOT, "node_modules/dockerfilelint/bin/dockerfilelint"), file]];
      const tally = join(ROOT, "node_modules/@wharflab/tally-linux-x64/bin/tally");
      // tally's defaults reach for a registry; its offline mode is the fair comparison.
      if (existsSync(tally)) commands["tally --slow-checks off"] = [tally, ["lint", "--slow-checks", "off", file], { cwd: dir }];
    }
    for (const [label, [file0]] of Object.entries(commands)) if (!existsSync(file0)) delete commands[label];
    const medians = timeProcesses(commands, { runs, warmup: 3 });
    const base = medians["node -e 0"];
    const rows = Object.entries(medians).map(([label, t]) => [
      label,
      ms(t.wall),
      ratio(t.wall / base.wall),
      t.cpu === null ? "n/a" : ms(t.cpu),
      t.cpu === null ? "n/a" : ratio(t.cpu / base.cpu),
    ]);
    const subject = medians["layerlint Dockerfile"];
    const wallRatio = subject.wall / base.wall;
    const cpuRatio = subject.cpu / base.cpu;
    return {
      text: `Cold start, one typical Dockerfile (${runs} interleaved runs, medians)\n` + table([["command", "wall", "vs node -e 0", "cpu", "vs node -e 0"], ...rows]),
      figures: { wallRatio, cpuRatio, node: base, all: medians },
      goals: [
        { name: "cold start (wall)", value: wallRatio, goal: `<= ${GOAL}x node -e 0`, met: wallRatio <= GOAL },
        { name: "cold start (cpu)", value: cpuRatio, goal: `<= ${GOAL}x node -e 0`, met: cpuRatio <= GOAL },
      ],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = startup({ runs: Number(process.env.RUNS ?? 60) });
  console.log(r.text);
}
