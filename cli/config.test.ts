import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultConfigPath, readConfig, resolveCredentials, writeConfig } from "./config";

const dir = () => mkdtempSync(join(tmpdir(), "aob-config-"));

describe("the CLI config file", () => {
  it("is written readable by its owner only, whatever the umask", () => {
    const path = join(dir(), "nested", "aob", "config.json");
    const umask = process.umask(0);
    try {
      writeConfig(path, { url: "http://127.0.0.1:8787", apiKey: "aob_x" });
    } finally {
      process.umask(umask);
    }
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(join(path, "..")).mode & 0o777).toBe(0o700);
    expect(readConfig(path)).toEqual({ url: "http://127.0.0.1:8787", apiKey: "aob_x" });
  });

  it("lets AOB_URL and AOB_API_KEY override the stored values one by one", () => {
    const path = join(dir(), "config.json");
    writeConfig(path, { url: "http://stored:1/", apiKey: "stored" });
    expect(resolveCredentials(path, {})).toEqual({ url: "http://stored:1", apiKey: "stored" });
    expect(resolveCredentials(path, { AOB_URL: "https://env.example" })).toEqual({
      url: "https://env.example",
      apiKey: "stored",
    });
    expect(resolveCredentials(path, { AOB_API_KEY: "env" }).apiKey).toBe("env");
    expect(
      resolveCredentials(join(dir(), "none.json"), { AOB_URL: "http://a", AOB_API_KEY: "k" }),
    ).toEqual({
      url: "http://a",
      apiKey: "k",
    });
  });

  it("says how to log in when nothing is configured, and refuses a damaged file", () => {
    expect(() => resolveCredentials(join(dir(), "none.json"), {})).toThrow(/not logged in/);
    const path = join(dir(), "config.json");
    writeFileSync(path, "{ not json");
    expect(() => readConfig(path)).toThrow(/not valid JSON; run `aob login` again/);
    writeFileSync(path, JSON.stringify({ url: "ftp://x", apiKey: "k" }));
    expect(() => readConfig(path)).toThrow(/not an aob config/);
    expect(readFileSync(path, "utf8")).toContain("ftp://x");
  });

  it("lives under XDG_CONFIG_HOME when it is set, else ~/.config", () => {
    expect(defaultConfigPath({ XDG_CONFIG_HOME: "/x" })).toBe("/x/aob/config.json");
    expect(defaultConfigPath({})).toMatch(/\.config\/aob\/config\.json$/);
  });
});
