import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A minimal RFC 4180 reader, so the expected figures do not come from the engine under test. */
export function parseCsv(text: string): Record<string, string>[] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n') {
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  const [header = [], ...rows] = records;
  return rows.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])));
}

export interface Expected {
  silverRows: number;
  /** `date|type` → count and total in cents, declined excluded. */
  daily: Map<string, { count: number; cents: number }>;
  resentIds: string[];
}

/** Silver and gold figures computed from the CSV files: latest file wins, untypable rows dropped. */
export function expectedFromCsv(csvFiles: string[]): Expected {
  const latest = new Map<string, Record<string, string> & { txn_type: string }>();
  const seen = new Map<string, number>();
  // Files sort by date within a feed, so a later file's row replaces an earlier one.
  for (const file of [...csvFiles].sort()) {
    const type = file.includes(`${join('txn', 'credit')}`) ? 'credit' : 'debit';
    for (const row of parseCsv(readFileSync(file, 'utf8'))) {
      if (!/^\d+(\.\d+)?$/.test(row['amount']?.trim() ?? '') || !row['txn_ts']) continue;
      const key = `${type}|${row['transaction_id']}`;
      seen.set(key, (seen.get(key) ?? 0) + 1);
      latest.set(key, { ...row, txn_type: type });
    }
  }
  const daily = new Map<string, { count: number; cents: number }>();
  for (const row of latest.values()) {
    if (row['status'] === 'declined') continue;
    const key = `${row['txn_ts']?.slice(0, 10)}|${row.txn_type}`;
    const entry = daily.get(key) ?? { count: 0, cents: 0 };
    entry.count += 1;
    entry.cents += Math.round(Number(row['amount']) * 100);
    daily.set(key, entry);
  }
  const resentIds = [...seen].filter(([, n]) => n > 1).map(([key]) => key.split('|')[1] ?? '');
  return { silverRows: latest.size, daily, resentIds };
}

/** Cents as the engines print DECIMAL(18,2). */
export const cents = (value: number) => `${Math.floor(value / 100)}.${String(value % 100).padStart(2, '0')}`;

