import { DurableObject } from "cloudflare:workers";

export class RunObject extends DurableObject<Env> {
  async ping(): Promise<string> {
    return "pong";
  }
}
