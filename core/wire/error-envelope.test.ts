import { describe, expect, it } from "vitest";
import { readErrorEnvelope } from "./error-envelope";

describe("readErrorEnvelope (what web/ and cli/ make of a refusal)", () => {
  it("reads the code, message and each issue with its path", () => {
    const body = {
      error: {
        code: "validation_failed",
        message: "1 problem",
        details: {
          errors: [
            {
              path: ["nodes", 1, "config", "url"],
              at: "nodes[1].config.url",
              code: "invalid_url",
              message: "not a URL",
            },
          ],
        },
      },
    };
    expect(readErrorEnvelope(400, JSON.stringify(body))).toEqual({
      code: "validation_failed",
      message: "1 problem",
      issues: [
        {
          path: ["nodes", 1, "config", "url"],
          at: "nodes[1].config.url",
          code: "invalid_url",
          message: "not a URL",
        },
      ],
    });
  });

  it("tolerates fields it does not know and issues from an older server", () => {
    const body = {
      error: {
        code: "x",
        message: "m",
        hint: "new",
        details: { errors: [{ at: "a", message: "b" }] },
      },
    };
    expect(readErrorEnvelope(409, JSON.stringify(body)).issues).toEqual([
      { path: [], at: "a", code: "invalid", message: "b" },
    ]);
  });

  it("reads anything else as http_error with the start of the text", () => {
    expect(readErrorEnvelope(502, "<html>Bad gateway</html>")).toEqual({
      code: "http_error",
      message: "HTTP 502: <html>Bad gateway</html>",
      issues: [],
    });
    expect(readErrorEnvelope(500, '{"error":"boom"}').code).toBe("http_error");
  });
});
