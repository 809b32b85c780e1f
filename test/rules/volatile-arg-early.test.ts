import { describe, expect, it } from "vitest";
import rule from "../../rules/volatile-arg-early/index.js";
import { messagesOf } from "../helpers/rule.js";

const messages = (text: string): string[] => messagesOf(rule, text);

describe("volatile-arg-early with a LABEL that names the argument", () => {
  it("says the steps re-run and the ARG goes, with the LABEL, to the end of the stage", () => {
    const [m] = messages("FROM alpine:3.20\nARG VERSION\nLABEL org.opencontainers.image.version=$VERSION\nRUN mkdir -p /opt/app\n");
    expect(m).toContain("and only `LABEL org.opencontainers.image.version=$VERSION` uses it");
    expect(m).toContain("declare it, with that instruction, after them at the end of the stage");
  });

  it("moves the LABEL with the ARG before the first real use", () => {
    const [m] = messages("FROM alpine:3.20\nARG GIT_SHA\nLABEL rev=$GIT_SHA\nRUN mkdir -p /opt/app\nRUN echo $GIT_SHA > /rev\n");
    expect(m).toContain("declare it, with `LABEL rev=$GIT_SHA` that uses it, just before `RUN echo $GIT_SHA > /rev` (line 5), its first use");
  });

  it("does not count a CMD's variables as a use", () => {
    expect(messages("FROM alpine:3.20\nARG GIT_SHA\nCMD echo $GIT_SHA\nRUN mkdir -p /opt/app\n")[0]).toContain("nothing in the stage refers to it");
  });
});
