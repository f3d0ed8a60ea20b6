// Bundles src/main.tsx into dist/ (main.js, main.css) and copies index.html:
// `npm run build` (once) or `npm run build -- --watch`. No CDN, no runtime download.
import * as esbuild from "esbuild";
import { copyFileSync, mkdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const watch = process.argv.includes("--watch");

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
copyFileSync(join(root, "index.html"), join(dist, "index.html"));

const options = {
  entryPoints: [join(root, "src", "main.tsx")],
  bundle: true,
  outfile: join(dist, "main.js"),
  format: "esm",
  target: ["es2020"],
  jsx: "automatic",
  jsxImportSource: "preact",
  minify: !watch,
  sourcemap: true,
  legalComments: "linked",
  logLevel: process.argv.includes("--quiet") ? "warning" : "info",
};

if (watch) {
  const context = await esbuild.context(options);
  await context.watch();
} else {
  await esbuild.build(options);
}
