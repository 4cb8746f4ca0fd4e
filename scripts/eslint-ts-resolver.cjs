// An eslint-module-utils resolver (interface v2) for this repository's NodeNext imports:
// `./deal-card.js` in source means `./deal-card.ts` on disk. eslint-plugin-boundaries needs
// every relative import resolved to a file to know which layer it points at; the node
// resolver alone would leave them unresolved and the layer rule would check nothing.
// Packages are left to the node resolver. Written here because eslint-import-resolver-typescript
// is not a dependency and this is all of the mapping we need.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const nodeResolver = require('eslint-import-resolver-node');

const TS_FOR_JS = [
  ['.js', '.ts'],
  ['.mjs', '.mts'],
  ['.cjs', '.cts'],
];

function isFile(file) {
  try {
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

exports.interfaceVersion = 2;

exports.resolve = function resolve(source, file, config) {
  if (source.startsWith('.') || path.isAbsolute(source)) {
    const target = path.resolve(path.dirname(file), source);
    for (const [js, ts] of TS_FOR_JS) {
      if (target.endsWith(js) && isFile(target.slice(0, -js.length) + ts)) return { found: true, path: target.slice(0, -js.length) + ts };
    }
    if (isFile(target)) return { found: true, path: target };
    for (const ext of ['.ts', '/index.ts']) if (isFile(target + ext)) return { found: true, path: target + ext };
    return { found: false };
  }
  return nodeResolver.resolve(source, file, config ?? {});
};
