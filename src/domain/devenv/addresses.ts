import { BlockList, isIPv4, isIPv6 } from 'node:net';

/**
 * Address ranges an outside target may never resolve to: pre-prod traffic sent there would reach the
 * node, the cloud's metadata service or the internal network instead of a developer's machine.
 */
const FORBIDDEN: readonly [network: string, prefix: number, family: 'ipv4' | 'ipv6', what: string][] = [
  ['0.0.0.0', 8, 'ipv4', 'an unspecified address'],
  ['127.0.0.0', 8, 'ipv4', 'a loopback address'],
  ['10.0.0.0', 8, 'ipv4', 'a private address'],
  ['172.16.0.0', 12, 'ipv4', 'a private address'],
  ['192.168.0.0', 16, 'ipv4', 'a private address'],
  ['100.64.0.0', 10, 'ipv4', 'a shared (carrier-grade NAT) address'],
  ['169.254.0.0', 16, 'ipv4', 'a link-local address (the cloud metadata service lives there)'],
  ['224.0.0.0', 4, 'ipv4', 'a multicast address'],
  ['240.0.0.0', 4, 'ipv4', 'a reserved address'],
  ['::', 128, 'ipv6', 'an unspecified address'],
  ['::1', 128, 'ipv6', 'a loopback address'],
  ['::', 96, 'ipv6', 'an IPv4-compatible address'],
  ['fc00::', 7, 'ipv6', 'a unique-local address'],
  ['fe80::', 10, 'ipv6', 'a link-local address'],
  ['ff00::', 8, 'ipv6', 'a multicast address'],
];

const forbidden = (() => {
  const lists = FORBIDDEN.map(([network, prefix, family, what]) => {
    const list = new BlockList();
    list.addSubnet(network, prefix, family);
    return { list, family, what };
  });
  return lists;
})();

/** Parses `DEVENV_CLUSTER_CIDRS` entries (`10.96.0.0/12`, `fd00:10::/108`); undefined when one is invalid. */
export function parseCidr(
  entry: string,
): { network: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const match = /^([^/\s]+)\/(\d{1,3})$/.exec(entry.trim());
  if (!match) return undefined;
  const [, network, bits] = match;
  const prefix = Number(bits);
  if (isIPv4(network!) && prefix <= 32) return { network: network!, prefix, family: 'ipv4' };
  if (isIPv6(network!) && prefix <= 128) return { network: network!, prefix, family: 'ipv6' };
  return undefined;
}

/**
 * Why an outside host's address may not receive pre-prod traffic, or undefined when it may. IPv4 addresses
 * written as IPv6 (`::ffff:10.0.0.1`) are judged as the IPv4 address they are.
 */
export function unsafeAddress(address: string, clusterCidrs: readonly string[]): string | undefined {
  const ip = mappedIPv4(address) ?? address;
  const family = isIPv4(ip) ? 'ipv4' : isIPv6(ip) ? 'ipv6' : undefined;
  if (!family) return `\`${address}\` is not an IP address`;
  for (const range of forbidden) {
    if (range.family === family && range.list.check(ip, family)) return `${ip}, ${range.what}`;
  }
  for (const entry of clusterCidrs) {
    const cidr = parseCidr(entry);
    if (!cidr || cidr.family !== family) continue;
    const list = new BlockList();
    list.addSubnet(cidr.network, cidr.prefix, cidr.family);
    if (list.check(ip, family)) return `${ip}, inside the cluster's range ${entry}`;
  }
  return undefined;
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, `::ffff:a00:1`), if it is one. */
function mappedIPv4(address: string): string | undefined {
  if (!isIPv6(address)) return undefined;
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (dotted) return dotted;
  const [head = '', tail] = address.toLowerCase().split('::');
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const left = groups(head);
  const right = groups(tail);
  const all =
    tail === undefined
      ? left
      : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const value = all.map((g) => parseInt(g, 16));
  if (value.length !== 8 || value.slice(0, 5).some((g) => g !== 0) || value[5] !== 0xffff) return undefined;
  return [value[6]! >> 8, value[6]! & 255, value[7]! >> 8, value[7]! & 255].join('.');
}
