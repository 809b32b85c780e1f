import { describe, expect, it } from "vitest";
import rule from "../../rules/package-cache-in-layer/index.js";
import { messagesOf } from "../helpers/rule.js";

const messages = (text: string): string[] => messagesOf(rule, text);

describe("package-cache-in-layer messages", () => {
  it("names the cache under ENV HOME, where pip and npm put it", () => {
    const [m] = messages("FROM python:3-alpine\nENV HOME=/home/app\nRUN pip install flask\n");
    expect(m).toContain("leaves /home/app/.cache/pip in this layer");
    expect(m).not.toContain("/root");
  });

  it("names `pip install` for `python -m pip install`", () => {
    expect(messages("FROM python:3\nRUN python -m pip install flask\n")[0]).toMatch(/^`pip install` leaves/);
  });

  it("agrees in number with several commands", () => {
    expect(messages("FROM python:3\nRUN apt-get update && apt-get install -y gcc && pip install numpy\n")[0]).toMatch(/^`apt-get update` and `pip install` leave /);
  });

  it("sends the update to the RUN that installs when a later RUN needs the index, instead of deleting it", () => {
    const [m] = messages("FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n");
    expect(m).toContain("move `apt-get update` into the RUN that installs and run `rm -rf /var/lib/apt/lists/*` there");
    expect(m).not.toContain("in the same RUN");
  });

  it("keeps the plain remedy otherwise", () => {
    expect(messages("FROM debian:12\nRUN apt-get update && apt-get install -y curl\n")[0]).toContain("run `rm -rf /var/lib/apt/lists/*` in the same RUN, or use a cache mount");
  });
});
