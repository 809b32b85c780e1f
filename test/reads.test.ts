import { describe, expect, it } from "vitest";
import { findSystemCommands, installSkipsCache, packageNames } from "../src/ecosystems/system.js";
import { chainOf } from "../src/fix/run-edits.js";
import { covers, empties, homeOf, overlaps, scriptEffects } from "../src/model/reads.js";

describe("system package managers", () => {
  it("classifies update, install, remove and clean commands", () => {
    const actions = (s: string): string[] => findSystemCommands(s).map((c) => `${c.manager.id}:${c.action}`);
    expect(actions("apt-get -y update && apt-get install -y curl")).toEqual(["apt:update", "apt:install"]);
    expect(actions("apt-get -o Acquire::Retries=3 update")).toEqual(["apt:update"]);
    expect(actions("apt-get purge -y gcc; apt-get dist-clean")).toEqual(["apt:remove", "apt:clean"]);
    expect(actions("apk update && apk add jq && apk del .deps")).toEqual(["apk:update", "apk:install", "apk:remove"]);
    expect(actions("yum makecache && yum install -y git && yum clean all")).toEqual(["yum:update", "yum:install", "yum:clean"]);
    expect(actions("zypper --non-interactive ref && zypper in -y curl")).toEqual(["zypper:update", "zypper:install"]);
    expect(actions("microdnf install -y tar")).toEqual(["microdnf:install"]);
    expect(actions("apt-get check && apt-cache policy curl && echo apt-get update")).toEqual(["apt:query"]);
  });

  it("knows apk's no-cache flags and the packages named", () => {
    const [add] = findSystemCommands("apk add --no-cache --virtual .build-deps gcc musl-dev");
    expect(installSkipsCache(add)).toBe(true);
    expect(packageNames(add)).toEqual([".build-deps", "gcc", "musl-dev"]);
    expect(installSkipsCache(findSystemCommands("apk add curl")[0])).toBe(false);
    expect(packageNames(findSystemCommands("apt-get install -y curl=7.88.1-10 -t bookworm-backports jq")[0])).toEqual(["curl", "jq"]);
  });
});

describe("what a RUN script does", () => {
  it("leaves apt lists behind unless the same script removes them afterwards", () => {
    expect(scriptEffects("apt-get update && apt-get install -y curl", "/", "/root").leftBehind.map((c) => c.path)).toEqual(["/var/lib/apt/lists"]);
    expect(scriptEffects("apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*", "/", "/root").leftBehind).toEqual([]);
    // Removing before updating does not help.
    expect(scriptEffects("rm -rf /var/lib/apt/lists/* && apt-get update", "/", "/root").leftBehind.map((c) => c.path)).toEqual(["/var/lib/apt/lists"]);
  });

  it("counts a cleanup of a dnf cache at any of its places", () => {
    expect(scriptEffects("dnf install -y jq && rm -rf /var/cache/libdnf5", "/", "/root").leftBehind).toEqual([]);
    expect(scriptEffects("yum install -y git && yum clean all", "/", "/root").leftBehind).toEqual([]);
  });

  it("resolves paths against WORKDIR, cd and the home directory", () => {
    const fx = scriptEffects("cd /tmp && curl -fsSLo tool.tgz https://example.com/tool.tgz && tar -xzf tool.tgz -C /opt/tool && rm ~/x", "/app", "/root");
    expect(fx.touched.map((t) => t.path)).toEqual(["/tmp/tool.tgz", "/tmp/tool.tgz", "/opt/tool", "/root/x"]);
    expect(fx.understood).toBe(true);
    expect(scriptEffects("apt-get install -y ./vendor/x.deb", "/app", "/root").touched.map((t) => t.path)).toEqual(["/app/vendor/x.deb"]);
  });

  it("does not understand what it cannot see into", () => {
    expect(scriptEffects("make install", "/", "/root").understood).toBe(false);
    expect(scriptEffects("curl -fsSL https://example.com/setup | bash -", "/", "/root").understood).toBe(false);
    expect(scriptEffects("cp $SRC /opt", "/", "/root").understood).toBe(false);
    // A script run after an update may have removed the lists.
    expect(scriptEffects("apt-get update && bash /tmp/setup.sh", "/", "/root").leftBehind).toEqual([]);
  });

  it("reads `sh -c` bodies and skips heredoc markers", () => {
    expect(scriptEffects(`apt-get update && sh -c "apt-get install -y x && rm -rf /var/lib/apt/lists/*"`, "/", "/root").leftBehind).toEqual([]);
    expect(scriptEffects("cat <<EOF > /etc/motd", "/app", "/root").touched.map((t) => t.path)).toEqual(["/etc/motd"]);
  });

  it("finds the project caches for the user, unless turned off", () => {
    expect(scriptEffects("pip install flask", "/", "/home/app").leftBehind.map((c) => c.path)).toEqual(["/home/app/.cache/pip"]);
    expect(scriptEffects("pip install --no-cache-dir flask", "/", "/root").leftBehind).toEqual([]);
    expect(scriptEffects("pip install flask", "/", "/root", ["PIP_NO_CACHE_DIR"]).leftBehind).toEqual([]);
    expect(scriptEffects("pip install flask", "/", null).leftBehind).toEqual([]);
    expect(scriptEffects("yarn --version", "/", "/root").leftBehind).toEqual([]);
  });

  it("names the home of a USER", () => {
    expect(homeOf(null)).toBe("/root");
    expect(homeOf("root:root")).toBe("/root");
    expect(homeOf("node")).toBe("/home/node");
    expect(homeOf("1000")).toBe(null);
  });
});

describe("paths", () => {
  it("compares paths that may hold globs", () => {
    expect(covers("/var/lib/apt/lists/*", "/var/lib/apt/lists/x")).toBe(true);
    expect(empties("/var/lib/apt/lists/*", "/var/lib/apt/lists")).toBe(true);
    expect(empties("/tmp/*.tgz", "/tmp/notes.txt")).toBe(false);
    expect(overlaps("/app", "/app/src/x")).toBe(true);
    expect(overlaps("/opt/tools", "/app")).toBe(false);
  });
});

describe("joining scripts", () => {
  it("says how a script chains its commands", () => {
    expect(chainOf("a && b | c")).toBe("&&");
    expect(chainOf("set -eux; a; b")).toBe(";");
    expect(chainOf("a; b")).toBe(null);
    expect(chainOf("a || b")).toBe(null);
    expect(chainOf("echo 'a;b' && c")).toBe("&&");
  });
});
