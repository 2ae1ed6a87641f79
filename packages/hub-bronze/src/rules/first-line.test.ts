import { describe, expect, it } from 'vitest';
import { firstLineReason } from './first-line.js';

const reason = (line: string, delimiter = ',', hasHeader = true) => firstLineReason(Buffer.from(line, 'utf8'), delimiter, hasHeader);

describe('a header whose names no table can hold', () => {
  it('names two columns equal but for case, or equal, by their positions', () => {
    expect(reason('id,Amount,note,amount')).toBe('line 1: header columns 2 and 4 are named "Amount" and "amount", which differ only in case: column names ignore case on every engine, so no table can hold both');
    expect(reason('id;id', ';')).toBe('line 1: header columns 1 and 2 are both named "id": column names ignore case on every engine, so no table can hold both');
    // Quoted names are read as the CSV reader reads them: the delimiter inside quotes is part of the name.
    expect(reason('"Amount, USD",x,"amount, usd"')).toBe('line 1: header columns 1 and 3 are named "Amount, USD" and "amount, usd", which differ only in case: column names ignore case on every engine, so no table can hold both');
  });

  it('lets through names Delta holds with column mapping, blank names (each engine numbers them), and a file without a header', () => {
    expect(reason('Transaction Date,Amount (USD),a=b;c,{x}')).toBeNull();
    expect(reason('id,,,amount')).toBeNull();
    expect(reason('1,1,1', ',', false)).toBeNull();
  });
});
