// Seeds a small, realistic registry (npm, PyPI and generic packages, some published by a
// pipeline) and writes the screenshots the docs show: docs/images/package-list.png and
// package-page.png at 1280x800, package-list-phone.png at 390x844.
// Usage: node tests/browser/screenshots.mjs path/to/packyard [--keep] [--out DIR] (--keep: leave
// the server running with its address printed, to look around by hand; Ctrl-C ends it; --out:
// write the images elsewhere than docs/images; --source-assets: serve routing/web/assets/ from
// this tree instead of the copies compiled into the binary, to see a stylesheet edit without a
// rebuild).
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server, ROOT_TOKEN, launchBrowser, loadPlaywright, npmPublish, pypiUpload } from './lib.mjs';

const binary = process.argv[2];
if (!binary) {
  console.error('usage: node tests/browser/screenshots.mjs path/to/packyard [--keep]');
  process.exit(2);
}
const keep = process.argv.includes('--keep');
const sourceAssets = process.argv.includes('--source-assets');
const out = process.argv.indexOf('--out');
const images = out > 0 ? process.argv[out + 1] : join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'images');
const playwright = await loadPlaywright();

const server = new Server(binary);
let browser;
try {
  await server.start();
  const group = await server.group('acme', 'private');
  const project = await server.project(group.id, 'platform', 'private');
  const dana = await server.user('dana', 'Dana Developer');
  const sam = await server.user('sam', 'Sam Maintainer');
  await server.member(project.id, dana.id, 30);
  await server.member(project.id, sam.id, 40);
  const asDana = { token: dana.token };

  for (const [name, versions, description] of [
    ['@acme/web-ui', ['1.0.0', '1.1.0', '1.2.0'], 'Acme design system components'],
    ['@acme/icons', ['2.3.1'], 'SVG icon set'],
    ['@acme/eslint-config', ['4.0.0'], 'Shared lint rules'],
  ]) {
    for (const v of versions) await npmPublish(server, project.id, name, v, description, asDana);
  }
  await server.api('PUT', `/projects/${project.id}/packages/npm/-/package/${encodeURIComponent('@acme/web-ui')}/dist-tags/next`,
    { token: sam.token, json: '1.2.0', expect: 204 });
  await server.api('PUT', `/projects/${project.id}/packages/npm/-/package/${encodeURIComponent('@acme/web-ui')}/dist-tags/latest`,
    { token: sam.token, json: '1.1.0', expect: 204 });

  await pypiUpload(server, project.id, 'acme-client', '2.1.0', 'acme_client-2.1.0.tar.gz', 'Acme API client',
    `__token__:${dana.token}`);
  await pypiUpload(server, project.id, 'acme-client', '2.1.0', 'acme_client-2.1.0-py3-none-any.whl', 'Acme API client',
    `__token__:${dana.token}`);

  // A release pipeline on main publishes the tokenizer and the release bundle.
  const sha = '4f9c2a1e7b3d5c8a0e6f1b2d3c4a5e6f7a8b9c0d';
  const status = await server.api('POST', `/projects/${project.id}/statuses/${sha}`,
    { token: dana.token, json: { state: 'running', ref: 'main', name: 'release' } });
  const job = await server.api('POST', `/projects/${project.id}/pipelines/${status.pipeline_id}/job_token`,
    { token: dana.token });
  for (const file of ['acme_tokenizer-1.0.0.tar.gz', 'acme_tokenizer-1.0.0-py3-none-any.whl']) {
    await pypiUpload(server, project.id, 'acme-tokenizer', '1.0.0', file, 'Fast text tokenizer',
      `gitlab-ci-token:${job.token}`);
  }
  for (const file of ['platform-linux-amd64.tar.gz', 'platform-linux-arm64.tar.gz', 'platform-darwin-arm64.tar.gz']) {
    await server.generic(project.id, 'platform-cli', '2026.11.2', file, Buffer.alloc(48000 + file.length * 997, 7),
      { jobToken: job.token });
  }
  await server.generic(project.id, 'seed-data', '0.3.0', 'fixtures.json', '{"rows": []}\n', asDana);
  await server.api('POST', `/projects/${project.id}/statuses/${sha}`, { token: dana.token, json: { state: 'success' } });

  const packages = await server.packages(project.id);
  const webUi = packages.find((p) => p.name === '@acme/web-ui' && p.version === '1.2.0');

  browser = await launchBrowser(playwright);
  const shoot = async (viewport, path, file) => {
    const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
    if (sourceAssets) {
      await context.route('**/-/assets/*', (route) => {
        const file = new URL(route.request().url()).pathname.split('/').pop();
        route.fulfill({
          contentType: file.endsWith('.css') ? 'text/css' : 'text/javascript',
          body: readFileSync(new URL(`../../routing/web/assets/${file}`, import.meta.url)),
        });
      });
    }
    const page = await context.newPage();
    await page.goto(server.url + '/-/sign_in');
    await page.fill('form[data-testid=sign-in-form] input[name=token]', sam.token);
    await Promise.all([page.waitForEvent('load'), page.click('form[data-testid=sign-in-form] [type=submit]')]);
    const res = await page.goto(server.url + path);
    if (res.status() !== 200) throw new Error(`${path}: ${res.status()}`);
    await page.screenshot({ path: join(images, file) });
    console.log(`wrote ${join(images, file)} (${viewport.width}x${viewport.height}, ${path})`);
    await context.close();
  };
  mkdirSync(images, { recursive: true });
  await shoot({ width: 1280, height: 800 }, '/acme/platform/-/packages', 'package-list.png');
  await shoot({ width: 1280, height: 800 }, webUi._links.web_path, 'package-page.png');
  await shoot({ width: 390, height: 844 }, '/acme/platform/-/packages', 'package-list-phone.png');

  if (keep) {
    console.log(`server at ${server.url}; sign in with ${sam.token} (Maintainer) or ${ROOT_TOKEN} (root); Ctrl-C ends it`);
    await browser.close();
    await new Promise(() => {}); // until Ctrl-C: lib.mjs stops the server and removes its folder
  }
} catch (e) {
  console.error(`screenshots: ${e.message}\n${server.logTail()}`);
  process.exitCode = 1;
} finally {
  if (browser) await browser.close().catch(() => {});
  server.stop();
}
