import { ValidationError } from '../../../common/errors/gateway-error';

/** Gateway (first host) and netmask of an IPv4 CIDR, as CloudStack's isolated networks take them. */
export function ipv4GatewayAndNetmask(cidr: string): { gateway: string; netmask: string } {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  const octets = match?.slice(1, 5).map(Number);
  const prefix = Number(match?.[5]);
  if (!match || octets!.some((o) => o > 255) || prefix > 30) {
    throw new ValidationError('CloudMC networks take an IPv4 range of at most /30.', [
      { field: 'cidr', message: 'must be an IPv4 range from /0 to /30 on CloudMC' },
    ]);
  }
  const address = octets!.reduce((acc, o) => acc * 256 + o, 0);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const network = (address & mask) >>> 0;
  const toText = (value: number) => [24, 16, 8, 0].map((shift) => (value >>> shift) & 255).join('.');
  return { gateway: toText(network + 1), netmask: toText(mask) };
}
