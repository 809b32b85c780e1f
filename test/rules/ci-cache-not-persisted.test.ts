import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import rule from "../../rules/ci-cache-not-persisted/index.js";
import { rules } from "../../rules/index.js";
import { parseWorkflow } from "../../src/ci/workflow.js";
import { defineRule } from "../../src/engine/define.js";
import { RuleError } from "../../src/engine/runner.js";
import { UsageError } from "../../src/errors.js";
import { fixWorkflowSource, lintSource, lintWorkflowSource } from "../../src/lint.js";
import { fromString } from "../../src/read.js";
import { lintWorkflow } from "../../src/index.js";
import { RULES_DIR } from "../helpers/fixtures.js";

const options = { rules: [rule], config: null } as const;
const lint = (text: string) => lintWorkflowSource(text, options).findings;

const workflow = (steps: string, runsOn = "ubuntu-latest"): string =>
  `on: push\njobs:\n  image:\n    runs-on: ${runsOn}\n    steps:\n      - uses: docker/setup-buildx-action@v3\n${steps}`;

describe("ci-cache-not-persisted", () => {
  it("names the step, says why and gives the fix with mode=max", () => {
    const [f] = lint(workflow("      - name: Build and push\n        uses: docker/build-push-action@v6\n"));
    expect(f.ruleId).toBe("ci-cache-not-persisted");
    expect(f.severity).toBe("warning");
    expect(f.message).toContain("step `Build and push` of job `image`");
    expect(f.message).toContain("GitHub-hosted runner");
    expect(f.message).toContain("each run starts from an empty builder");
    expect(f.message).toContain("every cache finding is moot");
    expect(f.message).toContain("`cache-from: type=gha` and `cache-to: type=gha,mode=max`");
    expect(f.message).toMatch(/mode=max also keeps the cache of a multi-stage build's intermediate stages/);
    expect(f.fix?.safety).toBe("safe");
  });

  it("asks only for the side that is missing", () => {
    const [exportOnly] = lint(workflow("      - uses: docker/build-push-action@v6\n        with:\n          cache-to: type=gha,mode=max\n"));
    expect(exportOnly.message).toContain("without a cache import (`cache-from`)");
    expect(exportOnly.message).toContain("add `cache-from: type=gha` to its `with:`");
    expect(exportOnly.fix).toBeUndefined();
    const [importOnly] = lint(workflow("      - run: docker buildx build --cache-from type=gha .\n"));
    expect(importOnly.message).toContain("without a cache export (`cache-to`)");
    expect(importOnly.message).toContain("add `--cache-to type=gha,mode=max`");
  });

  it("does not fix run: lines, and says what to add there", () => {
    const [f] = lint(workflow("      - run: docker build -t app .\n"));
    expect(f.fix).toBeUndefined();
    expect(f.message).toMatch(/^`docker build -t app \.` in step 2 of job `image`/);
    expect(f.message).toContain("`--cache-from type=gha` and `--cache-to type=gha,mode=max`");
    expect(f.message).toContain("crazy-max/ghaction-github-runtime");
  });

  it("without a buildx builder, asks for one and offers no fix", () => {
    const text = "on: push\njobs:\n  image:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/build-push-action@v6\n";
    const [f] = lint(text);
    expect(f.message).toContain("`docker/setup-buildx-action` step before it");
    expect(f.fix).toBeUndefined();
  });

  it("stays silent off hosted runners and with other caches", () => {
    const build = "      - uses: docker/build-push-action@v6\n";
    expect(lint(workflow(build, "[self-hosted, linux]"))).toEqual([]);
    expect(lint(workflow(build, "${{ inputs.runner }}"))).toEqual([]);
    expect(lint(workflow(build, "my-runner"))).toEqual([]);
    expect(lint(workflow("      - run: docker build --cache-from ghcr.io/o/app:cache .\n"))).toEqual([]);
    expect(lint(workflow("      - uses: docker/build-push-action@v6\n        with:\n          cache-to: type=local,dest=/tmp/c\n"))).toEqual([]);
    expect(lint(workflow("      - uses: docker/build-push-action@v6\n        with:\n          cache-from: ${{ env.CACHE }}\n"))).toEqual([]);
    expect(lint(workflow("      - uses: docker/bake-action@v5\n      - run: docker buildx bake\n"))).toEqual([]);
  });

  it("adds the two inputs after the last one; the result parses and lints clean", () => {
    const text = workflow("      - uses: docker/build-push-action@v6\n        with:\n          context: . # the root\n          push: false\n      - run: echo ok\n");
    const fixed = fixWorkflowSource(text, options);
    expect(fixed.output).toBe(
      workflow("      - uses: docker/build-push-action@v6\n        with:\n          context: . # the root\n          push: false\n          cache-from: type=gha\n          cache-to: type=gha,mode=max\n      - run: echo ok\n"),
    );
    expect(fixed.result.findings).toEqual([]);
    const step = parseWorkflow(fromString(fixed.output)).jobs[0].steps[1];
    expect(step.with.get("cache-from")?.value).toBe("type=gha");
    expect(step.with.get("cache-to")?.value).toBe("type=gha,mode=max");
  });

  it("runs on workflows only, and the Dockerfile rules never run on a workflow", () => {
    const text = workflow("      - uses: docker/build-push-action@v6\n");
    expect(lintWorkflowSource(text, { rules, config: null }).findings.map((f) => f.ruleId)).toEqual(["ci-cache-not-persisted"]);
    expect(lintSource("FROM alpine\nRUN echo\n", { rules: [rule], config: null, context: null, cliRules: { [rule.id]: "warning" } }).findings).toEqual([]);
  });

  it("is in the library's lintWorkflow, with the built-in rules and configuration", () => {
    const text = workflow("      - uses: docker/build-push-action@v6\n");
    expect(lintWorkflow(text, { config: null }).findings.map((f) => f.ruleId)).toEqual(["ci-cache-not-persisted"]);
    expect(lintWorkflow(text, { config: { path: null, dir: ".", data: { rules: { "ci-cache-not-persisted": "off" } } } }).findings).toEqual([]);
  });

  it("a rule that reads the other kind of input fails loudly, with its id", () => {
    const confused = defineRule({
      id: "confused",
      meta: { description: "Reads a Dockerfile from a workflow rule", severity: "warning", fixable: false, input: "workflow", sources: {} },
      messages: {},
      create(ctx) {
        return { "workflow:step": () => void ctx.file };
      },
    });
    expect(() => lintWorkflowSource(workflow("      - run: echo\n"), { rules: [confused], config: null })).toThrow(RuleError);
    expect(() => lintWorkflowSource(workflow("      - run: echo\n"), { rules: [confused], config: null })).toThrow(/reads the Dockerfile, but its meta.input is "workflow"/);
  });

  it("never crashes on mutated fixtures: a finding list or one UsageError, and fixes that parse and are stable", () => {
    const dir = join(RULES_DIR, "ci-cache-not-persisted", "fixtures");
    const seeds = readdirSync(dir).filter((f) => f.endsWith(".yml")).map((f) => readFileSync(join(dir, f), "utf8"));
    const noise = fc.constantFrom("\n", "\r\n", " ", "  ", "- ", ": ", "#", "|", ">", "{", "}", "[", "]", "'", '"', "\\", "${{", "&a ", "*a", "\t", "with:", "cache-from: type=gha");
    fc.assert(
      fc.property(fc.constantFrom(...seeds), fc.nat(), fc.array(noise, { maxLength: 3 }), fc.nat(20), (seed, at, inserted, cut) => {
        const pos = at % (seed.length + 1);
        const text = seed.slice(0, pos) + inserted.join("") + seed.slice(Math.min(seed.length, pos + cut));
        try {
          lintWorkflowSource(text, options);
        } catch (e) {
          expect(e).toBeInstanceOf(UsageError);
          return;
        }
        // The text is a workflow: its fix must leave one.
        const fixed = fixWorkflowSource(text, options);
        expect(() => parseWorkflow(fromString(fixed.output))).not.toThrow();
        expect(fixed.result.findings.filter((f) => f.fix)).toEqual([]);
        expect(fixWorkflowSource(fixed.output, options).changed).toBe(false);
      }),
      { numRuns: 60, seed: 15 },
    );
  });
});
