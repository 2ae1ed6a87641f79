/** Date tokens in file names: yyyyMMdd, yyyy-MM-dd, yyyy_MM_dd, not inside a longer run of digits. */
export const DATE_TOKEN_PATTERN = '(?:^|[^0-9])([0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}_[0-9]{2}_[0-9]{2}|[0-9]{8})(?:[^0-9]|$)';

const DATE_TOKEN = new RegExp(DATE_TOKEN_PATTERN);

/** yyyy-MM-dd from a real date token in the name, else the modification time's day (UTC). */
export function fileDateOf(name: string, modifiedAt: Date): string {
  return nameDateOf(name) ?? modifiedAt.toISOString().slice(0, 10);
}

/** yyyy-MM-dd from a real date token in the name, or null: a file without one is dated by its modification time, which costs a stat. */
export function nameDateOf(name: string): string | null {
  const token = DATE_TOKEN.exec(name)?.[1];
  if (token === undefined) return null;
  // A folder of a million names holds a few thousand dates: each token is checked once.
  let date = TOKEN_DATES.get(token);
  if (date === undefined) {
    const digits = token.replace(/[-_]/g, '');
    const fromName = `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}`;
    date = isRealDate(fromName) ? fromName : null;
    if (TOKEN_DATES.size >= 100_000) TOKEN_DATES.clear();
    TOKEN_DATES.set(token, date);
  }
  return date;
}

/** Date tokens already read, with their day (null: no real date). */
const TOKEN_DATES = new Map<string, string | null>();

function isRealDate(day: string): boolean {
  const d = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === day;
}
