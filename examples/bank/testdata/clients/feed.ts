// Narrows an item of the accountEvents feed on its discriminator, with the
// types openapi-typescript generates from the bank's openapi.json.
import type { components } from "./bank";

type AccountEvent = components["schemas"]["AccountEvent"];

export function describe(item: AccountEvent): string {
  const ev = item.event; // required and not null
  switch (ev.type) {
    case "accountOpened":
      return `opened by ${ev.owner}`;
    case "deposited":
      return `+${ev.amount}`;
    case "withdrawn":
      return `-${ev.amount}`;
    case "accountClosed":
      return "closed";
    default: {
      const unknown: never = ev; // every variant is handled
      return unknown;
    }
  }
}
