// Must not compile: a deposit has no owner.
import type { components } from "./bank";

export function owner(ev: components["schemas"]["Event"]): string {
  return ev.type === "deposited" ? ev.owner : "";
}
