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
  const digits = token?.replace(/[-_]/g, '');
  const fromName = digits ? `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}` : null;
  return fromName && isRealDate(fromName) ? fromName : null;
}

function isRealDate(day: string): boolean {
  const d = new Date(`${day}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === day;
}
