import { parseByteSize, parseDuration, parseQuantity } from '../../lib/units.js';

describe('units', () => {
  it.each([
    ['50Gi', 50 * 2 ** 30],
    ['500m', 0.5],
    ['2', 2],
    ['1.5Ki', 1536],
    ['1G', 1e9],
    ['50GB', undefined],
    ['', undefined],
    ['-1', undefined],
  ])('quantity %s', (q, n) => expect(parseQuantity(q)).toBe(n));

  it.each([
    ['7d', 7 * 86400],
    ['1h30m', 5400],
    ['15s', 15],
    ['2w', 14 * 86400],
    ['100ms', 0.1],
    ['7days', undefined],
    ['', undefined],
    ['1m1h', undefined],
  ])('duration %s', (d, s) => expect(parseDuration(d)).toBe(s));

  it.each([
    ['42GB', 42 * 2 ** 30],
    ['42GiB', 42 * 2 ** 30],
    ['512MB', 512 * 2 ** 20],
    ['1TB', 2 ** 40],
    ['42Gi', undefined],
    ['42G', undefined],
  ])('Prometheus byte size %s (base-2)', (s, b) => expect(parseByteSize(s)).toBe(b));
});
