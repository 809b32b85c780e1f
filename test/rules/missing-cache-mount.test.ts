import { describe, expect, it } from "vitest";
import rule from "../../rules/missing-cache-mount/index.js";
import { findingsOf } from "../helpers/rule.js";

const findings = (text: string): { message: string; fixed: boolean }[] => findingsOf(rule, text);

describe("missing-cache-mount targets", () => {
  it("puts the mount in a non-root USER's home, owned by that user, without a fix", () => {
    const [f] = findings("FROM node:22\nUSER node\nWORKDIR /home/node/app\nCOPY package.json package-lock.json ./\nRUN npm ci\n");
    expect(f.message).toContain("add `--mount=type=cache,target=/home/node/.npm` with `uid=` and `gid=` set to the ids of `node`");
    expect(f.fixed).toBe(false);
  });

  it("follows ENV HOME, without a fix", () => {
    const [f] = findings("FROM python:3.12-slim\nENV HOME=/home/app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n");
    expect(f.message).toContain("target=/home/app/.cache/pip`");
    expect(f.fixed).toBe(false);
  });

  it("mounts the directory a command-line option moves the cache to, without a fix", () => {
    const [f] = findings("FROM node:22\nCOPY package.json package-lock.json ./\nRUN npm ci --cache /tmp/npm-cache\n");
    expect(f.message).toContain("add `--mount=type=cache,target=/tmp/npm-cache`");
    expect(f.fixed).toBe(false);
    const [p] = findings("FROM python:3.12\nCOPY requirements.txt .\nRUN pip install --cache-dir=/tmp/pc -r requirements.txt\n");
    expect(p.message).toContain("target=/tmp/pc`");
  });

  it("keeps root's targets, with a fix, for root", () => {
    const [f] = findings("FROM node:22\nCOPY package.json package-lock.json ./\nRUN npm ci\n");
    expect(f.message).toContain("add `--mount=type=cache,target=/root/.npm`");
    expect(f.message).not.toContain("uid=");
    expect(f.fixed).toBe(true);
  });

  it("quotes the command without the shell's reserved word", () => {
    const [f] = findings("FROM alpine:3.20\nRUN if true; then apk add bash; fi\n");
    expect(f.message).toMatch(/^`apk add bash` runs apk/);
  });
});

describe("missing-cache-mount: installs that download nothing, setups that need root", () => {
  it("does not report pip --no-index (it installs from files on disk)", () => {
    expect(findings("FROM python:3.12\nCOPY requirements.txt .\nRUN pip install --no-index --find-links=/wheels -r requirements.txt\n")).toEqual([]);
  });

  it("offers no fix for apt under a non-root USER (the docker-clean removal would need sudo)", () => {
    const [f] = findings("FROM ubuntu:24.04\nUSER ubuntu\nRUN sudo apt-get update && sudo apt-get install -y curl\n");
    expect(f.message).toContain("target=/var/cache/apt");
    expect(f.fixed).toBe(false);
  });
});
