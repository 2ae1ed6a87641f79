import { ParameterError, type JobParameters, type Logger } from '@org/hub-core';
import type { FileConfigRow } from '../types.js';

/**
 * The job parameters come in two shapes. LOB level, as the seed's trigger sends them:
 * `category=<lob>` (all of its categories) and `subcategory=<category>` (one of them). Config
 * level: `category=<category>`, `subcategory=<subcategory>`. The LOB shape applies when no config
 * row has a category named like the LOB; a value that fits neither shape says which would.
 */
export function selectionFromLob(params: JobParameters, rows: readonly FileConfigRow[], logger?: Logger): JobParameters {
  const lob = params.category;
  if (!lob || rows.some((r) => r.category === lob) || !rows.some((r) => r.lob === lob)) return params;
  const active = rows.filter((r) => r.isActive && r.lob === lob);
  const categories = [...new Set(active.map((r) => r.category))];
  const wanted = params.subcategory;
  if (!wanted) {
    logger?.info({ lob }, `category=${lob} names the LOB: loading all of its categories (${categories.join(', ')})`);
    return { ...params, category: undefined };
  }
  if (categories.includes(wanted)) {
    logger?.info({ lob, category: wanted }, `category=${lob} names the LOB, so subcategory=${wanted} names its category: loading ${active.filter((r) => r.category === wanted).map((r) => r.subcategory).join(', ')}`);
    return { ...params, category: wanted, subcategory: undefined };
  }
  const asSubcategory = active.find((r) => r.subcategory === wanted);
  const hint = asSubcategory
    ? `; ${JSON.stringify(wanted)} is a subcategory: use category=${asSubcategory.category}, subcategory=${wanted}`
    : `; config level: category=<one of ${categories.join(', ')}>, subcategory=<one of ${[...new Set(active.map((r) => r.subcategory))].join(', ')}>`;
  throw new ParameterError(
    'subcategory',
    `category=${lob} names the LOB, so subcategory must name one of its categories: ${categories.join(', ')} (got ${JSON.stringify(wanted)})${hint}`,
  );
}
