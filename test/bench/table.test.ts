import { count, formatMarkdownTable, formatPairs, formatTable, ms, ratio } from '../../bench/table';

describe('formatTable', () => {
  it('left-aligns the first column and right-aligns the rest', () => {
    expect(formatTable(['case', 'n'], [['a', 1], ['longer', 100]])).toBe(['case      n', '------  ---', 'a         1', 'longer  100'].join('\n'));
  });
});

describe('formatMarkdownTable', () => {
  it('writes a GitHub table with numeric columns right-aligned and pipes escaped', () => {
    expect(formatMarkdownTable(['case', 'p50'], [['a|b', '1.0'], ['c']])).toBe(['| case | p50 |', '| --- | ---: |', '| a\\|b | 1.0 |', '| c |  |'].join('\n'));
  });
});

describe('ratio', () => {
  it('divides with precision that shrinks as the ratio grows', () => {
    expect(ratio(3, 2)).toBe('1.50×');
    expect(ratio(250, 10)).toBe('25.0×');
    expect(ratio(2500, 10)).toBe('250×');
  });

  it('is a dash when a figure is missing or the divisor is zero', () => {
    expect(ratio(undefined, 2)).toBe('-');
    expect(ratio(1, 0)).toBe('-');
    expect(ratio(Number.NaN, 1)).toBe('-');
  });
});

describe('ms and count', () => {
  it('format figures and dash the missing ones', () => {
    expect(ms(1.26)).toBe('1.3');
    expect(ms(undefined)).toBe('-');
    expect(count(12345.6)).toBe('12,346');
    expect(count(Number.NaN)).toBe('-');
  });
});

describe('formatPairs', () => {
  it('lines up the values', () => {
    expect(formatPairs([['a', 1], ['bbb', 'x']])).toBe('  a    1\n  bbb  x');
  });
});
