import { cidrContains, cidrsOverlap, ipInCidr, isNetworkCidr, nthAddress } from '../../lib/cidr.js';

describe('CIDR arithmetic', () => {
  it('knows a network address from a host address with a prefix', () => {
    expect(isNetworkCidr('10.20.0.0/16')).toBe(true);
    expect(isNetworkCidr('10.20.1.5/16')).toBe(false);
    expect(isNetworkCidr('10.20.0.0/33')).toBe(false);
    expect(isNetworkCidr('not-a-cidr')).toBe(false);
  });

  it('places addresses inside and outside a range, at its edges', () => {
    expect(ipInCidr('10.20.0.0', '10.20.0.0/16')).toBe(true);
    expect(ipInCidr('10.20.255.255', '10.20.0.0/16')).toBe(true);
    expect(ipInCidr('10.21.0.0', '10.20.0.0/16')).toBe(false);
    expect(ipInCidr('10.20.0.1', 'garbage')).toBe(false);
    expect(ipInCidr('localhost', '10.20.0.0/16')).toBe(false);
  });

  it('contains a subnet only when all of it is inside', () => {
    expect(cidrContains('10.20.0.0/16', '10.20.96.0/22')).toBe(true);
    expect(cidrContains('10.20.96.0/22', '10.20.0.0/16')).toBe(false);
    expect(cidrContains('10.20.0.0/16', '10.21.96.0/22')).toBe(false);
  });

  it('overlaps by containment either way, not for neighbours', () => {
    expect(cidrsOverlap('10.20.0.0/16', '10.20.128.0/17')).toBe(true);
    expect(cidrsOverlap('10.20.128.0/17', '10.20.0.0/16')).toBe(true);
    expect(cidrsOverlap('10.20.0.0/16', '10.21.0.0/16')).toBe(false);
  });

  it('numbers the addresses of a range, and refuses one past its end', () => {
    expect(nthAddress('10.40.96.0/22', 0)).toBe('10.40.96.0');
    expect(nthAddress('10.40.96.0/22', 258)).toBe('10.40.97.2');
    expect(nthAddress('10.40.96.0/22', 1023)).toBe('10.40.99.255');
    expect(() => nthAddress('10.40.96.0/22', 1024)).toThrow(/has no address #1024/);
  });
});
