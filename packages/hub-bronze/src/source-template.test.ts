import { describe, expect, it } from 'vitest';
import { sourceTemplate, templateProblem, walkTemplate } from './source-template.js';

/** A folder tree as paths relative to the root; `subfolders` answers as a listing would, and records what was listed. */
function tree(paths: readonly string[]) {
  const listed: string[] = [];
  const subfolders = async (relative: string) => {
    listed.push(relative);
    const below = paths.filter((p) => p.startsWith(relative) && p.length > relative.length).map((p) => p.slice(relative.length).split('/')[0] as string);
    return relative === '' || paths.some((p) => p.startsWith(relative)) ? [...new Set(below)] : null;
  };
  return { listed, subfolders };
}

describe('walking a date template to the window\'s folders', () => {
  it('lists a level only under folders whose days meet the window, and counts the others where it sees them', async () => {
    const template = sourceTemplate('/lake/credit/{yyyy}/{MM}/{dd}/');
    expect(template?.root).toBe('/lake/credit/');
    const { listed, subfolders } = tree(['2023/12/31/', '2024/01/31/', '2024/02/01/', '2024/02/29/', '2024/02/30/', '2024/03/01/', '2024/03/02/', '2024/13/01/', 'archive/', '2024/03/x/']);
    const walk = await walkTemplate(template as NonNullable<typeof template>, { begin: '2024-02-28', end: '2024-03-01' }, subfolders);
    expect(walk.folders).toEqual([
      { relative: '2024/02/29/', date: '2024-02-29' },
      { relative: '2024/03/01/', date: '2024-03-01' },
    ]);
    // 2023 as a year, 2024/01 as a month, 2024/02/01 and 2024/03/02 as days; 02/30, month 13, archive and x are no dates.
    expect(walk.outside).toEqual([
      { relative: '2023/', first: '2023-01-01', last: '2023-12-31' },
      { relative: '2024/01/', first: '2024-01-01', last: '2024-01-31' },
      { relative: '2024/02/01/', first: '2024-02-01', last: '2024-02-01' },
      { relative: '2024/03/02/', first: '2024-03-02', last: '2024-03-02' },
    ]);
    expect(listed).toEqual(['', '2024/', '2024/02/', '2024/03/']);
  });

  it('reads several tokens in one folder name, hour folders below the day, and literal folders after', async () => {
    const hourly = sourceTemplate('abfss://raw@acct.dfs.core.windows.net/ev/{yyyy}{MM}{dd}/{HH}/') as NonNullable<ReturnType<typeof sourceTemplate>>;
    expect(hourly.root).toBe('abfss://raw@acct.dfs.core.windows.net/ev/');
    const hours = tree(['20240309/00/', '20240309/23/', '20240309/24/', '20240310/07/', '20240301/05/']);
    expect((await walkTemplate(hourly, { begin: '2024-03-09', end: '2024-03-10' }, hours.subfolders)).folders).toEqual([
      { relative: '20240309/00/', date: '2024-03-09' },
      { relative: '20240309/23/', date: '2024-03-09' },
      { relative: '20240310/07/', date: '2024-03-10' },
    ]);
    const dated = sourceTemplate('/lake/orders/date={yyyy}-{MM}-{dd}/csv/') as NonNullable<ReturnType<typeof sourceTemplate>>;
    const days = tree(['date=2024-03-09/csv/', 'date=2024-03-10/csv/', 'date=2024-3-10/csv/']);
    expect((await walkTemplate(dated, { begin: '2024-03-01', end: '2024-03-10' }, days.subfolders)).folders).toEqual([
      { relative: 'date=2024-03-09/csv/', date: '2024-03-09' },
      { relative: 'date=2024-03-10/csv/', date: '2024-03-10' },
    ]);
  });

  it('accepts a plain folder and the templates of docs/config.md', () => {
    for (const path of ['/data/credit/', 'abfss://raw@acct.dfs.core.windows.net/falcon/credit/{yyyy}/{MM}/{dd}/', '/x/date={yyyy}-{MM}-{dd}/', '/x/{yyyy}{MM}{dd}/{HH}/']) expect(templateProblem(path), path).toBeNull();
    expect(templateProblem('/x/{dd}/{MM}/{yyyy}/')).toBe('"/x/{dd}/{MM}/{yyyy}/": date tokens must run year, month, day ({yyyy} {MM} {dd}), got {dd} {MM} {yyyy}');
  });
});
