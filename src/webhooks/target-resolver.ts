import { lookup } from 'node:dns/promises';
import { Injectable } from '@nestjs/common';

/** One address a host name resolves to. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/**
 * Resolves webhook host names (docs/design.md#webhooks). A token of its own so that tests can make a name resolve
 * to one address at registration and another at delivery, as a rebinding DNS server would.
 */
export interface WebhookResolver {
  /** Every address of the name; rejects when it does not resolve. */
  lookup(hostname: string): Promise<ResolvedAddress[]>;
}

export const WEBHOOK_RESOLVER = Symbol('WEBHOOK_RESOLVER');

/** How long a look-up may take before the name counts as not resolving. */
export const LOOKUP_TIMEOUT_MS = 3_000;

/** The system resolver (getaddrinfo, as Node connects), bounded in time. */
@Injectable()
export class SystemWebhookResolver implements WebhookResolver {
  async lookup(hostname: string): Promise<ResolvedAddress[]> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${LOOKUP_TIMEOUT_MS} ms`)),
        LOOKUP_TIMEOUT_MS,
      );
      timer.unref();
    });
    const found = lookup(hostname, { all: true, verbatim: true });
    found.catch(() => undefined);
    try {
      const addresses = await Promise.race([found, deadline]);
      return addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
    } finally {
      clearTimeout(timer);
    }
  }
}
