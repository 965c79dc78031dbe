import { describe, expect, it } from "vitest";
import { CHANNEL_EVENTS, channelGets } from "../../web/src/notifications/channel-events";
import { headerLines } from "../../web/src/notifications/header-lines";

describe("the notifications page's events column", () => {
  it("says what a channel gets, and that one without events gets only the nodes that name it", () => {
    expect(channelGets(["approval"])).toBe("every approval");
    expect(channelGets(["budget"])).toBe("budget holds");
    expect(channelGets(CHANNEL_EVENTS)).toBe("every approval, budget holds, failed runs");
    expect(channelGets([])).toBe("only nodes that name it");
  });
});

describe("the telemetry form's headers", () => {
  it("reads one name: value a line, keeps a secret reference as written, and names a bad line", () => {
    expect(headerLines("x-api-key: {{ secrets.OTEL_KEY }}\n\nx-team:  ops ")).toEqual({
      headers: { "x-api-key": "{{ secrets.OTEL_KEY }}", "x-team": "ops" },
      problems: [],
    });
    expect(headerLines("x-a: 1\n: nameless\nno colon").problems).toEqual([
      "line 2: write it as name: value",
      "line 3: write it as name: value",
    ]);
  });
});
