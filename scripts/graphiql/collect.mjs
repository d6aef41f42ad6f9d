// Copies the pinned GraphiQL browser bundle (and React 18 UMD builds it needs) from
// ./node_modules into the server's wwwroot, together with licence texts.
// Run through scripts/update-graphiql.sh (which does `npm ci` first); not meant to be run alone.
//
//   node collect.mjs <destDir>            write the vendored files
//   node collect.mjs <destDir> --check    exit 1 if the vendored files differ from what would be written
//
// Output is deterministic: same package-lock.json => byte-identical files.
import { readFileSync, writeFileSync, existsSync, readdirSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const nm = join(here, 'node_modules');
const [destDir, mode] = process.argv.slice(2);
if (!destDir) {
  console.error('usage: node collect.mjs <destDir> [--check]');
  process.exit(2);
}
const check = mode === '--check';

const pkgJson = (name) => JSON.parse(readFileSync(join(nm, name, 'package.json'), 'utf8'));

// Drop the trailing "//# sourceMappingURL=..." / "/*# sourceMappingURL=... */" comment: the maps are
// not vendored (graphiql's even points at a file its package does not ship), and a dangling reference
// only produces 404s when someone opens the browser's dev tools.
const stripSourceMap = (text) =>
  text.replace(/\n?(\/\/# sourceMappingURL=[^\n]*|\/\*# sourceMappingURL=[^*]*\*\/)\s*$/, '\n');

function licenceText(name) {
  const dir = join(nm, name);
  const file = readdirSync(dir)
    .filter((f) => /^(licen[cs]e|copying)([-.][\w.-]*)?$/i.test(f))
    .sort()[0];
  return file ? readFileSync(join(dir, file), 'utf8').replace(/\r\n/g, '\n').trimEnd() + '\n' : null;
}

// Every package in graphiql's production dependency tree, resolved from the lockfile. The UMD bundle
// graphiql.min.js inlines these (all except react/react-dom, which it takes as globals). graphql is a
// peer dependency of graphiql but is inlined into the bundle as well.
function bundledPackages() {
  const lock = JSON.parse(readFileSync(join(here, 'package-lock.json'), 'utf8'));
  const entries = lock.packages;
  const external = new Set(['react', 'react-dom']);
  const seen = new Map();
  const resolve = (fromPath, dep) => {
    // Node resolution over lockfile paths: nearest node_modules/<dep> walking up from fromPath.
    let base = fromPath;
    for (;;) {
      const candidate = (base ? base + '/' : '') + 'node_modules/' + dep;
      if (entries[candidate]) return candidate;
      if (!base) return null;
      const idx = base.lastIndexOf('/node_modules/');
      base = idx === -1 ? '' : base.slice(0, idx);
    }
  };
  const visit = (path) => {
    if (!path || seen.has(path)) return;
    const entry = entries[path];
    const name = path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    if (external.has(name) || name.startsWith('@types/')) return; // @types/*: type declarations, no bundled code
    seen.set(path, { name, version: entry.version, license: entry.license, path });
    for (const dep of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies })) {
      visit(resolve(path, dep));
    }
  };
  visit('node_modules/graphiql');
  visit('node_modules/graphql');
  return [...seen.values()].sort((a, b) => (a.name + '@' + a.version).localeCompare(b.name + '@' + b.version, 'en'));
}

const graphiql = pkgJson('graphiql');
const react = pkgJson('react');
const reactDom = pkgJson('react-dom');

const outputs = new Map();
const copy = (out, from, transform = (t) => t) =>
  outputs.set(out, transform(readFileSync(join(nm, from), 'utf8')));

copy('graphiql.min.js', 'graphiql/graphiql.min.js', stripSourceMap);
copy('graphiql.min.css', 'graphiql/graphiql.min.css', stripSourceMap);
copy('react.production.min.js', 'react/umd/react.production.min.js', stripSourceMap);
copy('react-dom.production.min.js', 'react-dom/umd/react-dom.production.min.js', stripSourceMap);
outputs.set('LICENSE.graphiql.txt', licenceText('graphiql'));
outputs.set('LICENSE.react.txt', licenceText('react'));
outputs.set('LICENSE.react-dom.txt', licenceText('react-dom'));

const bundled = bundledPackages();
let notices =
  `Third-party software vendored in this folder\n` +
  `============================================\n\n` +
  `Produced by scripts/update-graphiql.sh from the npm registry (pinned in scripts/graphiql/package-lock.json).\n\n` +
  `  graphiql.min.js, graphiql.min.css   graphiql@${graphiql.version} (${graphiql.license}), see LICENSE.graphiql.txt\n` +
  `  react.production.min.js             react@${react.version} (${react.license}), see LICENSE.react.txt\n` +
  `  react-dom.production.min.js         react-dom@${reactDom.version} (${reactDom.license}), see LICENSE.react-dom.txt\n` +
  `                                      (includes scheduler, MIT, same copyright holder)\n\n` +
  `graphiql.min.js is a bundle that also contains code from the packages below (graphiql's npm\n` +
  `dependency tree as locked here; the versions inlined by the graphiql build may differ slightly).\n` +
  `graphiql.min.css embeds the Roboto (Apache-2.0, now also SIL OFL 1.1) and Fira Code (SIL OFL 1.1) fonts as data: URLs.\n` +
  `\nMIT licence terms (for packages below that ship no licence file of their own)\n` +
  `-------------------------------------------------------------------------------\n\n` +
  `Permission is hereby granted, free of charge, to any person obtaining a copy of this software and\n` +
  `associated documentation files (the "Software"), to deal in the Software without restriction,\n` +
  `including without limitation the rights to use, copy, modify, merge, publish, distribute,\n` +
  `sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is\n` +
  `furnished to do so, subject to the following conditions:\n\n` +
  `The above copyright notice and this permission notice shall be included in all copies or\n` +
  `substantial portions of the Software.\n\n` +
  `THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT\n` +
  `NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND\n` +
  `NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES\n` +
  `OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN\n` +
  `CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.\n`;
for (const p of bundled) {
  const text = licenceText(p.path.slice('node_modules/'.length));
  notices += `\n--------------------------------------------------------------------------------\n`;
  notices += `${p.name}@${p.version}  (${p.license ?? 'see package'})\n`;
  notices += `--------------------------------------------------------------------------------\n\n`;
  if (text) {
    notices += text;
  } else {
    const meta = JSON.parse(readFileSync(join(nm, p.path.slice('node_modules/'.length), 'package.json'), 'utf8'));
    const author = typeof meta.author === 'string' ? meta.author : meta.author?.name;
    const repo = typeof meta.repository === 'string' ? meta.repository : meta.repository?.url;
    notices += `The npm package ships no licence file; its package.json declares "${p.license}"` +
      (author ? `, author: ${author}` : '') + (repo ? `, repository: ${repo}` : '') + '.\n' +
      (p.license === 'MIT' ? 'The MIT licence text is reproduced under "MIT licence terms" above.\n' : '');
  }
}
outputs.set('THIRD-PARTY-NOTICES.txt', notices);

let drift = 0;
if (!check) mkdirSync(destDir, { recursive: true });
for (const [name, content] of outputs) {
  if (content == null) throw new Error(`no content for ${name}`);
  const target = join(destDir, name);
  if (check) {
    const current = existsSync(target) ? readFileSync(target, 'utf8') : null;
    if (current !== content) {
      console.error(`out of date: ${target}`);
      drift++;
    }
  } else {
    writeFileSync(target, content);
    console.log(`${String(Buffer.byteLength(content)).padStart(9)}  ${target}`);
  }
}
if (check) {
  if (drift) {
    console.error(`${drift} vendored file(s) differ; run scripts/update-graphiql.sh`);
    process.exit(1);
  }
  console.log(`vendored GraphiQL ${graphiql.version} assets are up to date (${outputs.size} files)`);
}
