import { describe, expect, it } from "vitest";
import { CHANNEL_EVENTS, channelGets } from "../../web/src/notifications/channel-events";

describe("the notifications page's events column", () => {
  it("says what a channel gets, and that one without events gets only the nodes that name it", () => {
    expect(channelGets(["approval"])).toBe("every approval");
    expect(channelGets(["budget"])).toBe("budget holds");
    expect(channelGets(CHANNEL_EVENTS)).toBe("every approval, budget holds, failed runs");
    expect(channelGets([])).toBe("only nodes that name it");
  });
});
