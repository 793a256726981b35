#!/usr/bin/env node
// Build Lantern's front-end assets into static/build/ (gitignored; run by `npm run build`).
//
// - static/src/lantern.scss -> static/build/lantern.css (+ .map), compressed, via the sass JS API
// - GOV.UK Frontend ES module -> static/build/govuk-frontend.min.js (+ .map)
// - GOV.UK Frontend images -> static/build/assets/images/ (minus the crown, crest and GOV.UK
//   icons: Lantern is not a GOV.UK service; its favicon is static/img/favicon.svg)
// - tus-js-client -> static/build/tus.min.js
// - axe-core -> static/build/test/axe.min.js (for browser accessibility tests only)
//
// Idempotent: files whose content is unchanged are not rewritten. Stale files left in
// static/build/ from an earlier build (for example a brand image) are removed.

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import * as sass from "sass";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const nodeModules = join(root, "node_modules");
const buildDir = join(root, "static", "build");
const govukDist = join(nodeModules, "govuk-frontend", "dist", "govuk");

// GOV.UK brand images that a non-GOV.UK service must not use.
const BRAND_IMAGE = /^(govuk-|favicon\.)/;

const written = [];
const unchanged = [];
const expected = new Set();

function sha256(buffer) {
  return createHash("sha256").update(buffer).digest("hex");
}

/** Write `content` to `target` unless it already holds exactly that content. */
function writeIfChanged(target, content) {
  const buffer = Buffer.isBuffer(content) ? content : Buffer.from(content, "utf8");
  expected.add(target);
  if (existsSync(target) && sha256(readFileSync(target)) === sha256(buffer)) {
    unchanged.push(target);
    return;
  }
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, buffer);
  written.push(target);
}

function copy(source, target) {
  if (!existsSync(source)) {
    throw new Error(`Missing ${relative(root, source)}: run "npm ci" first`);
  }
  writeIfChanged(target, readFileSync(source));
}

function buildCss() {
  const source = join(root, "static", "src", "lantern.scss");
  const target = join(buildDir, "lantern.css");
  const result = sass.compile(source, {
    style: "compressed",
    loadPaths: [nodeModules],
    sourceMap: true,
    sourceMapIncludeSources: false,
    // Deprecation warnings from inside node_modules are not ours to fix.
    quietDeps: true,
  });
  // Make source map paths relative to the built file rather than absolute file: URLs.
  const map = result.sourceMap;
  map.sources = map.sources.map((url) =>
    url.startsWith("file:") ? relative(buildDir, fileURLToPath(url)) : url,
  );
  map.file = "lantern.css";
  const css = `${result.css}\n/*# sourceMappingURL=lantern.css.map */\n`;
  if (css.includes("GDS Transport")) {
    throw new Error("lantern.css mentions GDS Transport: check $govuk-font-family");
  }
  if (/@font-face/.test(css)) {
    throw new Error("lantern.css has an @font-face rule: check $govuk-include-default-font-face");
  }
  writeIfChanged(target, css);
  writeIfChanged(`${target}.map`, JSON.stringify(map));
}

function copyJs() {
  copy(join(govukDist, "govuk-frontend.min.js"), join(buildDir, "govuk-frontend.min.js"));
  copy(join(govukDist, "govuk-frontend.min.js.map"), join(buildDir, "govuk-frontend.min.js.map"));
  const tusDist = join(nodeModules, "tus-js-client", "dist");
  copy(join(tusDist, "tus.min.js"), join(buildDir, "tus.min.js"));
  copy(join(tusDist, "tus.min.js.map"), join(buildDir, "tus.min.js.map"));
  copy(join(nodeModules, "axe-core", "axe.min.js"), join(buildDir, "test", "axe.min.js"));
  const padDist = join(nodeModules, "signature_pad", "dist");
  copy(join(padDist, "signature_pad.umd.min.js"), join(buildDir, "signature_pad.umd.min.js"));
}

function copyImages() {
  const sourceDir = join(govukDist, "assets", "images");
  for (const name of readdirSync(sourceDir)) {
    if (BRAND_IMAGE.test(name)) continue;
    copy(join(sourceDir, name), join(buildDir, "assets", "images", name));
  }
}

/** Remove files in static/build/ that this build did not produce (e.g. old brand images). */
function removeStale(dir) {
  if (!existsSync(dir)) return [];
  const removed = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      removed.push(...removeStale(path));
      if (readdirSync(path).length === 0) rmSync(path, { recursive: true });
    } else if (!expected.has(path)) {
      rmSync(path);
      removed.push(path);
    }
  }
  return removed;
}

const started = performance.now();
mkdirSync(buildDir, { recursive: true });
buildCss();
copyJs();
copyImages();
const removed = removeStale(buildDir);

const show = (path) => relative(root, path);
for (const path of written) console.log(`wrote     ${show(path)}`);
for (const path of removed) console.log(`removed   ${show(path)}`);
console.log(
  `build-assets: ${written.length} written, ${unchanged.length} unchanged, ` +
    `${removed.length} removed in ${Math.round(performance.now() - started)} ms`,
);
