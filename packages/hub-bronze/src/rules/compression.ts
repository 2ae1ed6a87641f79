import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/** Compressed files every engine reads as their content: gzip, by its extension (DuckDB, Spark's and Databricks' readers go by it too). */
export function isGzip(path: string): boolean {
  return /\.gz$/i.test(path);
}

/** Codecs that not every engine reads (DuckDB reads no bzip2, Spark no zip, ...), by extension: a file in one is set aside on every engine. */
const OTHER_CODECS: Readonly<Record<string, string>> = {
  '.zst': 'zstd',
  '.zstd': 'zstd',
  '.bz2': 'bzip2',
  '.xz': 'xz',
  '.lzma': 'lzma',
  '.zip': 'zip',
  '.7z': '7z',
  '.lz4': 'lz4',
  '.snappy': 'snappy',
  '.sz': 'snappy',
  '.lzo': 'lzo',
  '.br': 'brotli',
  '.deflate': 'deflate',
  '.z': 'compress',
  '.tgz': 'gzipped tar',
  '.tar': 'tar',
};

/** The codec of a file name's extension that not every engine reads, or null. */
export function unreadCodecOf(name: string): { codec: string; extension: string } | null {
  const extension = /\.[A-Za-z0-9]+$/.exec(name)?.[0].toLowerCase();
  const codec = extension === undefined ? undefined : OTHER_CODECS[extension];
  return codec === undefined || extension === undefined ? null : { codec, extension };
}

/**
 * A local file's content as the engines read it: a `.gz` file through zlib, so the hub's own
 * readers (the first line, the tokenizer that finds lines) see what the engine loads.
 */
export function contentStream(path: string, options: { highWaterMark?: number; end?: number } = {}): Readable {
  const raw = createReadStream(path, isGzip(path) ? { highWaterMark: options.highWaterMark } : options);
  if (!isGzip(path)) return raw;
  const gunzip = createGunzip();
  raw.on('error', (error) => gunzip.destroy(error));
  gunzip.on('close', () => raw.destroy());
  return raw.pipe(gunzip);
}
