// Gzip copies of the text files so the Django view can send them compressed (Content-Encoding: gzip)
// without compressing on every request. The bench reads these sizes too.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, constants } from 'node:zlib';

const TEXT = /\.(js|css|html|svg|webmanifest|json)$/;

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (TEXT.test(name)) {
      const gz = gzipSync(readFileSync(path), { level: constants.Z_BEST_COMPRESSION });
      writeFileSync(`${path}.gz`, gz);
    }
  }
}

walk(new URL('../dist', import.meta.url).pathname);
