// One module per function: the date-fns index loads every function (about 130 ms of CPU at each CLI start).
import { addDays } from 'date-fns/addDays';
import { format } from 'date-fns/format';
import { isValid } from 'date-fns/isValid';
import { parse } from 'date-fns/parse';
import { ParameterError } from '@org/hub-core';

export interface LoadWindow {
  /** Inclusive, yyyy-MM-dd. */
  readonly begin: string;
  readonly end: string;
}

const DAY = 'yyyy-MM-dd';
export const DEFAULT_WINDOW_DAYS = 7;

export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

export function parseDay(value: string, parameter: string): Date {
  const day = parse(value, DAY, new Date(Date.UTC(2000, 0, 1)));
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || !isValid(day) || format(day, DAY) !== value) {
    throw new ParameterError(parameter, `expected a date yyyy-MM-dd, got ${JSON.stringify(value)}`);
  }
  return day;
}

/**
 * The window (docs/bronze.md, Which files): none given, the 7 days ending on the as-of date; only begin, begin..as-of;
 * only end, end-6..end; both, begin..end.
 */
export function loadWindow(params: { beginDate?: string | undefined; endDate?: string | undefined; asOf?: string | undefined }): LoadWindow {
  const asOf = parseDay(params.asOf ?? todayUtc(), 'as_of');
  const begin = params.beginDate ? parseDay(params.beginDate, 'begin_date') : undefined;
  const end = params.endDate ? parseDay(params.endDate, 'end_date') : undefined;
  const last = end ?? asOf;
  const first = begin ?? addDays(last, -(DEFAULT_WINDOW_DAYS - 1));
  if (first > last) {
    throw new ParameterError(
      begin ? 'begin_date' : 'end_date',
      `begin ${format(first, DAY)} is after end ${format(last, DAY)}${end ? '' : ' (the as-of date)'}`,
    );
  }
  return { begin: format(first, DAY), end: format(last, DAY) };
}
