import { describe, expect, it } from 'vitest';
import { alternate, median, parseRows, rowsLabel, throughputGoal } from './util.js';

describe('bench helpers', () => {
  it('takes the middle value, or the mean of the two middle ones, whatever the order', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(median([])).toBeNaN();
  });

  it('alternates which side goes first, so each side goes first in half the rounds', async () => {
    const order: string[] = [];
    await alternate(
      4,
      async () => void order.push('a'),
      async () => void order.push('b'),
    );
    expect(order).toEqual(['a', 'b', 'b', 'a', 'a', 'b', 'b', 'a']);
  });

  it('reads sizes as row counts and names them back', () => {
    expect(parseRows('1M')).toBe(1_000_000);
    expect(parseRows('10m')).toBe(10_000_000);
    expect(parseRows('100k')).toBe(100_000);
    expect(parseRows('2.5M')).toBe(2_500_000);
    expect(parseRows('250000')).toBe(250_000);
    expect(() => parseRows('1G')).toThrow(/1M, 10M or 100k/);
    expect(rowsLabel(10_000_000)).toBe('10M');
    expect(rowsLabel(100_000)).toBe('100k');
    expect(rowsLabel(1234)).toBe('1234');
  });

  it('asks 0.85 of the engine up to 1M rows and 0.92 from 10M', () => {
    expect(throughputGoal(1_000_000)).toBe(0.85);
    expect(throughputGoal(10_000_000)).toBe(0.92);
  });
});
