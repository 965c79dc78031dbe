#!/usr/bin/env node
// The `aob` bin: runs the TypeScript entry in this process through tsx's loader, so stdin
// stays the terminal (the approval prompt needs it) and no build step is required.
//
// The plain-JS dependencies load first, natively: through the loader's hooks they take about
// twice as long, and every command pays that at start-up.
import "zod";
import "commander";
import "hono/client";
import { register } from "tsx/esm/api";

register();
await import("./main.ts");
