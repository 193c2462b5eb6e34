// Builds ../static/vk-bridge.js (one minified file, committed) and ../static/vk-bridge.LICENSE.txt
// from src/app.js and the packages it imports. Run it with `make bridge`; running the mini-app
// never needs npm. The output is deterministic: the same lock file gives the same bytes.
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, version as esbuildVersion } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const staticDir = join(here, "..", "static");
const outfile = join(staticDir, "vk-bridge.js");

const result = await build({
  entryPoints: [join(here, "src", "app.js")],
  bundle: true,
  minify: true,
  format: "iife",
  // Old iOS and Android web views still open mini-apps.
  target: ["es2017"],
  legalComments: "none",
  metafile: true,
  write: false,
  absWorkingDir: here,
});

// The npm packages whose code ended up in the bundle, read from the bundler's own record.
const packages = new Map();
for (const input of Object.keys(result.metafile.inputs)) {
  const match = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//);
  if (!match || packages.has(match[1])) continue;
  const root = join(here, "node_modules", match[1]);
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const notice = readFileSync(join(root, "LICENSE"), "utf8").match(/^Copyright .*$/m);
  packages.set(match[1], { version: pkg.version, license: pkg.license, root, notice });
}
if (!packages.has("@vkontakte/vk-bridge")) throw new Error("vk-bridge is not in the bundle");

const names = [...packages].map(
  ([name, p]) => ` *   ${name} ${p.version}, ${p.license} licence` + (p.notice ? `, ${p.notice[0]}` : ""),
);
const header = [
  "/*! vk-bridge.js: the e-journal mini-app's VK Bridge client (VKWebAppInit, colour scheme).",
  " * Built by `make bridge` from miniapp/bridge/src/app.js with esbuild " + esbuildVersion + ".",
  " * Contains:",
  ...names,
  " * Licence texts: vk-bridge.LICENSE.txt beside this file.",
  " */",
  "",
].join("\n");
writeFileSync(outfile, header + result.outputFiles[0].text);

const licences = [...packages].map(([name, p]) => {
  const text = readFileSync(join(p.root, "LICENSE"), "utf8").replace(/\n{3,}/g, "\n\n").trim();
  return `${name} ${p.version}\n${"=".repeat(name.length + p.version.length + 1)}\n\n${text}\n`;
});
writeFileSync(
  join(staticDir, "vk-bridge.LICENSE.txt"),
  "Third-party code bundled into vk-bridge.js\n\n" + licences.join("\n"),
);
console.log(`${outfile}: ${Buffer.byteLength(header + result.outputFiles[0].text)} bytes`);
