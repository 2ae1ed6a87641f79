import { createRequire } from 'node:module';
import type { addDays as AddDays } from 'date-fns/addDays';
import type { format as Format } from 'date-fns/format';
import type { isValid as IsValid } from 'date-fns/isValid';
import type { parse as Parse } from 'date-fns/parse';
import { ParameterError } from '@org/hub-core';

interface DateFns {
  readonly addDays: typeof AddDays;
  readonly format: typeof Format;
  readonly isValid: typeof IsValid;
  readonly parse: typeof Parse;
}

let dateFnsModules: DateFns | undefined;
/**
 * date-fns loads on first use, one module per function: the index loads every function (about
 * 130 ms of CPU), these four about 55 ms, paid only by a command that works out a window.
 */
function dateFns(): DateFns {
  if (!dateFnsModules) {
    const load = createRequire(import.meta.url);
    dateFnsModules = {
      addDays: (load('date-fns/addDays') as { addDays: typeof AddDays }).addDays,
      format: (load('date-fns/format') as { format: typeof Format }).format,
      isValid: (load('date-fns/isValid') as { isValid: typeof IsValid }).isValid,
      parse: (load('date-fns/parse') as { parse: typeof Parse }).parse,
    };
  }
  return dateFnsModules;
}

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
  const day = dateFns().parse(value, DAY, new Date(Date.UTC(2000, 0, 1)));
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || !dateFns().isValid(day) || dateFns().format(day, DAY) !== value) {
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
  const first = begin ?? dateFns().addDays(last, -(DEFAULT_WINDOW_DAYS - 1));
  if (first > last) {
    throw new ParameterError(
      begin ? 'begin_date' : 'end_date',
      `begin ${dateFns().format(first, DAY)} is after end ${dateFns().format(last, DAY)}${end ? '' : ' (the as-of date)'}`,
    );
  }
  return { begin: dateFns().format(first, DAY), end: dateFns().format(last, DAY) };
}
