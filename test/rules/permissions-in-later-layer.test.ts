import { describe, expect, it } from "vitest";
import rule from "../../rules/permissions-in-later-layer/index.js";
import { messagesOf } from "../helpers/rule.js";

const messages = (text: string): string[] => messagesOf(rule, text);

describe("permissions-in-later-layer messages", () => {
  it("says to create the user first when it is created after the copy (COPY --chown would fail)", () => {
    const [m] = messages("FROM alpine:3.20\nCOPY app.conf /config/app.conf\nRUN adduser -S app && chown -R app /config\n");
    expect(m).toContain("create `app` before that copy and set it on the copy with `--chown=app`");
  });

  it("names a group created by an earlier RUN after the copy", () => {
    const [m] = messages("FROM alpine:3.20\nCOPY web.conf /web/web.conf\nRUN addgroup -S web\nRUN chown -R root:web /web\n");
    expect(m).toContain("create `web` before that copy");
  });

  it("says only to set it on the copy when the user exists before the copy", () => {
    const [m] = messages("FROM alpine:3.20\nRUN adduser -S app\nCOPY app.conf /config/app.conf\nRUN chown -R app /config\n");
    expect(m).toMatch(/; set it on the copy with `--chown=app`$/);
  });
});
