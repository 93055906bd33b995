import ipaddr from 'ipaddr.js';

/**
 * Where a webhook may go. In AWS only to public addresses: a receiver URL must not
 * reach into the network the functions run in (the instance metadata address, a
 * VPC peer, the loopback of the Lambda sandbox). The local cloud allows private and
 * loopback targets, since a developer's receiver runs on the same machine.
 */
export interface TargetPolicy {
  allowPrivateTargets: boolean;
}

/**
 * Why an address may not be a webhook target, or undefined when it may be: only
 * what ipaddr.js calls `unicast` (public) passes; loopback, private, unique-local,
 * link-local (the metadata address), carrier-grade NAT, unspecified, multicast,
 * broadcast and the reserved and documentation ranges do not. An IPv4-mapped IPv6
 * address is judged as the IPv4 address it maps.
 */
export function refusedAddress(address: string): string | undefined {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address.replace(/^\[|\]$/g, ''));
  } catch {
    return 'is not an IP address';
  }
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  const range = parsed.range();
  return range === 'unicast' ? undefined : `${parsed.toString()} is a ${range} address, not a public one`;
}

/** Whether `host` (a URL's hostname) is an IP literal. */
export function isIpLiteral(host: string): boolean {
  return ipaddr.isValid(host.replace(/^\[|\]$/g, ''));
}

/**
 * The subscription-time check of a URL's host: a literal private address is refused
 * at once (names are resolved and checked at every send, where it counts).
 */
export function refusedTarget(url: string, policy: TargetPolicy): string | undefined {
  if (policy.allowPrivateTargets) return undefined;
  const host = new URL(url).hostname;
  if (host === 'localhost' || host.endsWith('.localhost')) return 'localhost is not a public host';
  return isIpLiteral(host) ? refusedAddress(host) : undefined;
}
