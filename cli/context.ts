import { type Api, type Credentials, createClient } from "./client";
import { defaultConfigPath, resolveCredentials } from "./config";

/** Options every command accepts (declared once on the root program). */
export interface GlobalOptions {
  json?: boolean;
  config?: string;
}

/** What a command needs: the output mode, the config file and, lazily, an API client. */
export class Context {
  readonly json: boolean;
  readonly configPath: string;
  private creds: Credentials | null = null;
  private client: Api | null = null;

  constructor(opts: GlobalOptions) {
    this.json = opts.json === true;
    this.configPath = opts.config ?? defaultConfigPath();
  }

  credentials(): Credentials {
    this.creds ??= resolveCredentials(this.configPath);
    return this.creds;
  }

  /** The typed client's `/api` root; resolving credentials fails with "not logged in". */
  get api(): Api {
    this.client ??= createClient(this.credentials()).api;
    return this.client;
  }

  /** Prompts and live redraws only happen for a person at a terminal, never with `--json`. */
  get interactive(): boolean {
    return !this.json && process.stdin.isTTY === true;
  }
}
