import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { HostResolver } from '../use-cases/ports.js';

/** Answers that mean "no such record" rather than "could not ask". */
const NO_RECORD = new Set(['ENODATA', 'ENOTFOUND', 'NXDOMAIN']);

/**
 * A and AAAA records of an outside host, from the system's DNS servers or `DEVENV_DNS_SERVERS`, with a
 * deadline. Each look-up asks anew (no cache of ours): a record that changed is seen at the next check.
 */
export class DnsHostResolver implements HostResolver {
  constructor(
    private readonly servers: readonly string[],
    private readonly timeoutMs: number,
  ) {}

  async addresses(host: string): Promise<string[]> {
    if (isIP(host)) return [host];
    const resolver = new Resolver({ timeout: this.timeoutMs, tries: 2 });
    if (this.servers.length > 0) resolver.setServers([...this.servers]);
    const answers = await Promise.allSettled([resolver.resolve4(host), resolver.resolve6(host)]);
    const addresses: string[] = [];
    for (const answer of answers) {
      if (answer.status === 'fulfilled') addresses.push(...answer.value);
      else if (!NO_RECORD.has((answer.reason as NodeJS.ErrnoException).code ?? '')) throw answer.reason;
    }
    return addresses;
  }
}
