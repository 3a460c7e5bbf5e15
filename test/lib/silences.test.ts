import { parseMatcher, parseSilenceDuration } from '../../lib/silences.js';

describe('silence matchers and durations', () => {
  it.each([
    ['alertname=Foo', { name: 'alertname', value: 'Foo', isRegex: false, isEqual: true }],
    ['alertname="Foo Bar"', { name: 'alertname', value: 'Foo Bar', isRegex: false, isEqual: true }],
    ['cluster!=dev', { name: 'cluster', value: 'dev', isRegex: false, isEqual: false }],
    ['job=~"api.*"', { name: 'job', value: 'api.*', isRegex: true, isEqual: true }],
    ['job!~batch-.+', { name: 'job', value: 'batch-.+', isRegex: true, isEqual: false }],
  ])('%s', (text, matcher) => expect(parseMatcher(text)).toEqual(matcher));

  it('refuses matchers that are malformed or would silence everything lacking a label', () => {
    expect(() => parseMatcher('=foo')).toThrow('is not of the form');
    expect(() => parseMatcher('severity=')).toThrow('would match every alert lacking severity');
  });

  it.each([
    ['30m', 30 * 60_000],
    ['2h', 2 * 3600_000],
    ['1d12h', 36 * 3600_000],
  ])('duration %s', (d, ms) => expect(parseSilenceDuration(d)).toBe(ms));

  it('refuses zero or malformed durations', () => {
    expect(() => parseSilenceDuration('0h')).toThrow('not a positive duration');
    expect(() => parseSilenceDuration('soon')).toThrow('not a positive duration');
  });
});
