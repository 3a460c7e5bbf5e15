import { matchesAll, parseMatcher, parseSilenceDuration } from '../../lib/silences.js';
import { silenceScope } from '../../cli/silence.js';

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

describe('silence input, checked before the Alertmanager is contacted', () => {
  it.each([
    ['alertname="Foo', /quotes are not balanced/],
    ['alertname="a\\qb"', /escape Alertmanager does not know/],
    ['alertname=two words', /quote a value that holds spaces/],
    ['job=~"(unclosed"', /regular expression does not compile/],
    ['1job=x', /is not a label name/],
  ])('%s: a message naming the mistake', (text, message) => {
    expect(() => parseMatcher(text)).toThrow(message);
  });

  it('caps the duration at the environment limit unless allowed longer', () => {
    expect(() => parseSilenceDuration('100000d', 7 * 86_400_000)).toThrow(/longer than the 168h a silence may last here .*--allow-long/);
    expect(parseSilenceDuration('100000d')).toBe(100000 * 86_400_000);
  });

  it('matches as Alertmanager does: anchored regexes, a missing label is empty', () => {
    expect(matchesAll([parseMatcher('alertname=~"Kube.*"')], { alertname: 'KubePodCrashLooping' })).toBe(true);
    expect(matchesAll([parseMatcher('alertname=~"Pod"')], { alertname: 'KubePodCrashLooping' })).toBe(false);
    expect(matchesAll([parseMatcher('team!="x"')], { alertname: 'A' })).toBe(true);
  });

  it.each([
    [['alertname=~".+"'], /mute Watchdog/],
    [['severity!="none"'], /mute every alert of the platform/],
    [['alertname="Watchdog"'], /mute Watchdog/],
  ])('refuses %j unless explicitly allowed', (ms, refusal) => {
    expect(silenceScope(ms.map(parseMatcher)).refusal).toMatch(refusal);
  });

  it('says what a narrow silence mutes', () => {
    expect(silenceScope([parseMatcher('alertname="KubePodCrashLooping"')])).toEqual({ muted: ['KubePodCrashLooping'] });
  });
});
