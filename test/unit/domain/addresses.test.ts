import { describe, expect, it } from 'vitest';
import { parseCidr, unsafeAddress } from '../../../src/domain/devenv/addresses.js';

describe('where an outside target may resolve', () => {
  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['10.1.2.3', 'a private address'],
    ['172.31.255.255', 'a private address'],
    ['192.168.0.1', 'a private address'],
    ['100.64.0.1', 'a shared (carrier-grade NAT) address'],
    ['169.254.169.254', 'a link-local address (the cloud metadata service lives there)'],
    ['0.0.0.0', 'an unspecified address'],
    ['224.0.0.1', 'a multicast address'],
    ['::1', 'a loopback address'],
    ['::', 'an unspecified address'],
    ['fd00::1', 'a unique-local address'],
    ['fd00:ec2::254', 'a unique-local address'],
    ['fe80::1', 'a link-local address'],
    ['ff02::1', 'a multicast address'],
    ['::ffff:169.254.169.254', 'a link-local address (the cloud metadata service lives there)'],
    ['::ffff:a00:1', 'a private address'],
    ['::10.0.0.1', 'an IPv4-compatible address'],
  ])('refuses %s as %s', (address, what) => {
    expect(unsafeAddress(address, [])).toMatch(new RegExp(`, ${what.replace(/[()]/g, '\\$&')}$`));
  });

  it.each([
    '93.184.216.34',
    '203.0.113.10',
    '2606:2800:220:1:248:1893:25c8:1946',
    '172.32.0.1',
    '::ffff:8.8.8.8',
  ])('lets %s through', (address) => expect(unsafeAddress(address, [])).toBeUndefined());

  it('refuses the cluster’s own ranges, even public ones, in either family', () => {
    expect(unsafeAddress('198.18.4.5', ['198.18.0.0/15'])).toBe(
      "198.18.4.5, inside the cluster's range 198.18.0.0/15",
    );
    expect(unsafeAddress('2001:db8:10::5', ['2001:db8:10::/108'])).toBe(
      "2001:db8:10::5, inside the cluster's range 2001:db8:10::/108",
    );
    expect(unsafeAddress('198.20.0.1', ['198.18.0.0/15'])).toBeUndefined();
  });

  it('parses CIDRs and refuses what is not one', () => {
    expect(parseCidr('10.96.0.0/12')).toEqual({ network: '10.96.0.0', prefix: 12, family: 'ipv4' });
    expect(parseCidr('fd00:10::/108')).toEqual({ network: 'fd00:10::', prefix: 108, family: 'ipv6' });
    for (const bad of ['10.96.0.0', '10.96.0.0/33', 'fd00::/129', 'cluster/12', '10.96.0.0/x'])
      expect(parseCidr(bad)).toBeUndefined();
  });
});
