// The web pages (docs/web.md) in a real headless browser: Debian's chromium driven by
// playwright-core, against the real binary on a loopback port with a temporary data folder.
// Usage: node web_test.mjs path/to/packyard. Prints one line per step; the first failure ends
// the run with status 1; a missing chromium or missing node modules skip it (status 77).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Server, ROOT_TOKEN, launchBrowser, loadPlaywright, npmPublish } from './lib.mjs';

const binary = process.argv[2];
if (!binary) {
  console.error('usage: node web_test.mjs path/to/packyard');
  process.exit(2);
}
const playwright = await loadPlaywright();

// A display name and a pipeline ref that run script if any page writes them unescaped.
const HOSTILE = '<img src=x onerror=alert(1)>';
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const server = new Server(binary);
let browser;
let failed = false;

async function step(what, fn) {
  try {
    await fn();
    console.log(`ok - ${what}`);
  } catch (e) {
    failed = true;
    console.log(`FAILED - ${what}: ${e.message.split('\n').slice(0, 6).join('\n    ')}`);
    throw e;
  }
}

function check(cond, message) {
  if (!cond) throw new Error(message);
}

function equal(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

// docs/web.md, "Security headers": every page carries them, error pages too.
function securityHeaders(res, what) {
  const h = res.headers();
  equal(h['content-security-policy'], CSP, `${what}: Content-Security-Policy`);
  equal(h['x-frame-options'], 'DENY', `${what}: X-Frame-Options`);
  equal(h['x-content-type-options'], 'nosniff', `${what}: X-Content-Type-Options`);
  equal(h['referrer-policy'], 'strict-origin-when-cross-origin', `${what}: Referrer-Policy`);
  equal(h['cache-control'], 'private, no-store', `${what}: Cache-Control`);
}

const count = (page, sel) => page.locator(sel).count();
const texts = async (page, sel) => (await page.locator(sel).allTextContents()).map((s) => s.trim());
const text = async (page, sel) => {
  const n = await count(page, sel);
  check(n > 0, `no ${sel} on ${page.url()}`);
  return (await page.locator(sel).first().textContent()).trim();
};

// Runs an action that loads a new document (a link, a form, a redirect after POST) and waits for it.
async function loads(page, action, what = 'the action') {
  const loaded = page.waitForEvent('load', { timeout: 10000 }).catch(() => {
    throw new Error(`${what} loaded no page within 10 s (still on ${page.url()})`);
  });
  await action();
  await loaded;
}

// Watches a page for what must never happen: script errors, CSP refusals (an inline script or
// style would be one), dialogs nobody asked for, and requests for /x (the hostile <img>).
function watch(page, log) {
  page.answers = []; // what the next confirm() dialogs answer: true accepts, false refuses
  page.on('pageerror', (e) => log.push(`script error on ${page.url()}: ${e.message}`));
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) log.push(`CSP on ${page.url()}: ${m.text()}`);
  });
  page.on('dialog', async (d) => {
    if (d.type() === 'confirm' && page.answers.length > 0) {
      page.lastConfirm = d.message();
      await (page.answers.shift() ? d.accept() : d.dismiss());
    } else {
      log.push(`unexpected ${d.type()} dialog on ${page.url()}: ${d.message()}`);
      await d.dismiss();
    }
  });
  page.on('request', (r) => {
    if (new URL(r.url()).pathname.split('/').pop() === 'x') log.push(`request for ${r.url()}`);
  });
}

async function signIn(page, token) {
  securityHeaders(await page.goto(server.url + '/-/sign_in'), 'the sign-in page');
  // Before sign-in the form's authenticity_token is double-submitted: the same value in a cookie.
  const csrf = (await page.context().cookies()).find((c) => c.name === '_packyard_csrf');
  check(csrf, 'no _packyard_csrf cookie on the sign-in page');
  equal(await page.locator('form[data-testid=sign-in-form] input[name=authenticity_token]').getAttribute('value'),
    csrf.value, "the sign-in form's authenticity_token against the _packyard_csrf cookie");
  equal(await count(page, 'form[data-testid=sign-in-form] input[name=token][type=password]'), 1,
    'token fields in the sign-in form');
  await page.fill('form[data-testid=sign-in-form] input[name=token]', token);
  await loads(page, () => page.click('form[data-testid=sign-in-form] [type=submit]'));
}

async function signOut(page) {
  await loads(page, () => page.click('header.topbar form[data-testid=sign-out] button'));
  equal(await count(page, 'header.topbar a[data-testid=sign-in]'), 1, 'sign-in links after signing out');
  equal(await count(page, 'header.topbar span[data-testid=user]'), 0, 'user names after signing out');
}

// A new browser context holding only this session cookie: what a stolen or kept cookie gets.
async function withCookie(cookie, path) {
  const ctx = await browser.newContext();
  await ctx.addCookies([{ name: cookie.name, value: cookie.value, url: server.url }]);
  const page = await ctx.newPage();
  const res = await page.goto(server.url + path);
  const status = res.status();
  await ctx.close();
  return status;
}

// Each row's cells' texts: [['acme/secret', 'private', '26'], …].
const cellsOf = (page, rows) => page.locator(rows).evaluateAll((trs) =>
  trs.map((tr) => Array.from(tr.querySelectorAll('td'), (td) => td.textContent.trim())));
const rowsOf = (page) => count(page, 'table[data-testid=packages] tr[data-testid=package-row]');
const namesOf = (page) => texts(page, 'tr[data-testid=package-row] td.name');
// A file row's name: td.file-name's text without its checksums (the details may sit inside it).
const fileNamesOf = (page) => page.locator('tr[data-testid=file-row] td.file-name').evaluateAll((cells) =>
  cells.map((td) => {
    const c = td.cloneNode(true);
    c.querySelectorAll('details, form, button').forEach((e) => e.remove());
    return c.textContent.trim();
  }));

try {
  const seed = {};
  await step('server starts on a loopback port with a temporary data folder', async () => {
    await server.start();
  });

  await step('seed: a group, a private and a public project, a Maintainer and a Developer', async () => {
    seed.group = await server.group('acme', 'public');
    seed.secret = await server.project(seed.group.id, 'secret', 'private');
    seed.tools = await server.project(seed.group.id, 'tools', 'public');
    seed.maint = await server.user('mara', 'Mara Maintainer');
    seed.maintRead = (await server.token(seed.maint.id, ['read_api'])).token;
    seed.maintUserOnly = (await server.token(seed.maint.id, ['read_user'])).token;
    seed.dev = await server.user('dev', HOSTILE);
    for (const p of [seed.secret, seed.tools]) {
      await server.member(p.id, seed.maint.id, 40);
      await server.member(p.id, seed.dev.id, 30);
    }
  });

  // 22 gadgets and 3 widget versions (the name filter finds 3), ci-built from a pipeline: 26
  // packages, 2 pages of 20. widget 2.0.0 has a binary file to download and one to delete.
  seed.binary = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 151 + (i >> 8)) & 255));
  seed.sums = ['md5', 'sha1', 'sha256'].map((a) => createHash(a).update(seed.binary).digest('hex'));
  await step('seed: 25 generic packages uploaded with a personal access token', async () => {
    for (let i = 1; i <= 22; i++) {
      const n = String(i).padStart(2, '0');
      await server.generic(seed.secret.id, `gadget-${n}`, '1.0.0', `gadget-${n}.txt`, `gadget ${n}\n`);
    }
    for (const v of ['1.0.0', '1.1.0']) {
      await server.generic(seed.secret.id, 'widget', v, `widget-${v}.tar.gz`, `widget ${v}\n`);
    }
    await server.generic(seed.secret.id, 'widget', '2.0.0', 'widget-2.0.0.tar.gz', seed.binary);
    await server.generic(seed.secret.id, 'widget', '2.0.0', 'widget-2.0.0.sha256', seed.sha256 + '\n');
    await server.generic(seed.tools.id, 'cli', '3.1.4', 'cli-linux-amd64', 'cli\n');
  });

  await step('seed: two versions of an npm package in the public project', async () => {
    for (const v of ['1.0.0', '1.1.0']) {
      await npmPublish(server, seed.tools.id, '@acme/ui-kit', v, 'UI kit', { token: seed.dev.token });
    }
    const tools = await server.packages(seed.tools.id);
    seed.uiKit = tools.find((p) => p.name === '@acme/ui-kit' && p.version === '1.1.0');
    check(seed.uiKit, 'no @acme/ui-kit 1.1.0 in the API');
  });

  await step('seed: a pipeline with a hostile ref, its job token, a package it publishes', async () => {
    const sha = 'a'.repeat(40);
    const status = await server.api('POST', `/projects/${seed.secret.id}/statuses/${sha}`, {
      token: seed.dev.token, json: { state: 'running', ref: HOSTILE },
    });
    equal(status.ref, HOSTILE, 'the pipeline ref the API stored');
    const job = await server.api('POST', `/projects/${seed.secret.id}/pipelines/${status.pipeline_id}/job_token`, {
      token: seed.dev.token,
    });
    await server.generic(seed.secret.id, 'ci-built', '0.1.0', 'ci-built.bin', 'built\n', { jobToken: job.token });
    const all = await server.packages(seed.secret.id);
    equal(all.length, 26, 'packages in the private project');
    const ci = all.find((p) => p.name === 'ci-built');
    check(ci && ci.pipeline && ci.pipeline.ref === HOSTILE, 'ci-built records its pipeline');
    seed.pkg = Object.fromEntries(all.map((p) => [`${p.name}@${p.version}`, p]));
    equal(seed.pkg['widget@2.0.0']._links.web_path, `/acme/secret/-/packages/${seed.pkg['widget@2.0.0'].id}`,
      "the API's web_path of widget 2.0.0");
  });

  browser = await launchBrowser(playwright);
  const problems = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  watch(page, problems);
  const noProblems = (where) => check(problems.length === 0, `${where}: ${problems.join('; ')}`);

  await step('anonymous: home has the sign-in link, the security headers and the stylesheet', async () => {
    const res = await page.goto(server.url + '/');
    equal(res.status(), 200, 'GET / status');
    securityHeaders(res, 'home');
    equal(await count(page, 'header.topbar a.brand'), 1, 'brand links');
    equal(await count(page, 'header.topbar a[data-testid=sign-in]'), 1, 'sign-in links');
    equal(await count(page, 'header.topbar span[data-testid=user]'), 0, 'user names');
    // packyard.css is served and applied: the top bar is not left transparent.
    const bg = await page.locator('header.topbar').evaluate((e) => getComputedStyle(e).backgroundColor);
    check(bg !== 'rgba(0, 0, 0, 0)' && bg !== 'transparent', `the top bar has no background (${bg}): packyard.css not applied`);
    const rows = await cellsOf(page, 'table[data-testid=projects] tr[data-testid=project-row]');
    equal(rows.length, 1, 'project rows an anonymous visitor sees (the public one only)');
    check(rows[0].some((c) => c.includes('acme/tools')), `project rows: ${JSON.stringify(rows)}`);
    noProblems('home');
  });

  await step('anonymous: the private project\'s packages answer 404, the public one\'s 200', async () => {
    const hidden = await page.goto(server.url + '/acme/secret/-/packages');
    equal(hidden.status(), 404, 'private list status');
    securityHeaders(hidden, 'the 404 page');
    equal((await page.goto(server.url + `/acme/secret/-/packages/${seed.pkg['widget@2.0.0'].id}`)).status(), 404,
      'private package status');
    equal((await page.goto(server.url + '/acme/tools/-/packages')).status(), 200, 'public list status');
    equal(await namesOf(page), ['cli', '@acme/ui-kit', '@acme/ui-kit'], 'public list rows');
    equal((await page.goto(server.url + '/no-such/place/-/packages')).status(), 404, 'unknown project status');
    equal((await page.goto(server.url + '/-/no-such-page')).status(), 404, 'unknown path status');
    // A hidden project and a path that names nothing answer the same page: nothing tells them apart.
    const unknown = await page.locator('main').innerHTML();
    await page.goto(server.url + '/acme/secret/-/packages');
    equal(await page.locator('main').innerHTML(), unknown, "the hidden project's 404 against an unknown path's");
  });

  await step('anonymous: an npm package page with its install snippet and dist-tags, no delete buttons', async () => {
    const res = await page.goto(server.url + seed.uiKit._links.web_path);
    equal(res.status(), 200, 'npm package page status');
    securityHeaders(res, 'the package page');
    equal(await text(page, 'main h1'), '@acme/ui-kit', 'h1');
    equal(await text(page, 'span.badge.type'), 'npm', 'type badge');
    // The snippet is an .npmrc npm can use: the scope's registry, and the auth line keyed by
    // "//host:port/path/" (npm matches credentials on that prefix, with both slashes).
    const snippet = (await text(page, 'pre[data-testid=install]')).split('\n').map((l) => l.trim());
    const registry = `${server.url}/api/v4/projects/${seed.tools.id}/packages/npm/`;
    check(snippet.includes(`@acme:registry=${registry}`), `no "@acme:registry=${registry}" line in:\n${snippet.join('\n')}`);
    const auth = `${registry.replace(/^http:/, '')}:_authToken=`;
    check(snippet.some((l) => l.startsWith(auth)), `no line starting "${auth}" in:\n${snippet.join('\n')}`);
    check(snippet.some((l) => l.includes('npm install @acme/ui-kit@1.1.0')), 'the snippet does not install @acme/ui-kit@1.1.0');
    const tags = await cellsOf(page, 'table[data-testid=dist-tags] tr');
    check(tags.some((r) => r.some((c) => c.includes('latest'))), `dist-tags: ${JSON.stringify(tags)}`);
    equal(await count(page, '[data-testid=delete-file], [data-testid=delete-package]'), 0, 'delete buttons');
    noProblems('npm package page');
  });

  await step('assets: packyard.css and packyard.js are served as this tree has them', async () => {
    for (const [file, type] of [['packyard.css', 'text/css'], ['packyard.js', 'text/javascript']]) {
      const res = await page.request.get(`${server.url}/-/assets/${file}`);
      equal(res.status(), 200, `${file} status`);
      check((res.headers()['content-type'] || '').startsWith(type), `${file} content type ${res.headers()['content-type']}`);
      const source = readFileSync(new URL(`../../routing/web/assets/${file}`, import.meta.url));
      check(Buffer.compare(await res.body(), source) === 0, `${file} differs from routing/web/assets/${file}`);
    }
  });

  await step('sign-in: a wrong token, or one without api or read_api, shows the error, no session', async () => {
    for (const token of ['glpat-not-a-token-000000', seed.maintUserOnly]) {
      await signIn(page, token);
      equal(await count(page, 'p.flash.error[data-testid=flash]'), 1, 'error flashes');
      equal(await count(page, 'header.topbar span[data-testid=user]'), 0, 'user names');
      check(!(await context.cookies()).some((c) => c.name === '_packyard_session'), 'a session cookie was set');
    }
  });

  let maintCookie;
  await step('sign-in: the Maintainer\'s token opens a session; the top bar shows the name', async () => {
    await signIn(page, seed.maint.token);
    equal(await text(page, 'header.topbar span[data-testid=user]'), 'Mara Maintainer', 'top bar user');
    equal(await count(page, 'header.topbar a[data-testid=sign-in]'), 0, 'sign-in links');
    equal(await count(page, 'header.topbar form[data-testid=sign-out] button'), 1, 'sign-out buttons');
    maintCookie = (await context.cookies()).find((c) => c.name === '_packyard_session');
    check(maintCookie, 'no _packyard_session cookie');
    check(maintCookie.httpOnly, 'the session cookie is not HttpOnly');
    equal(maintCookie.sameSite, 'Lax', 'the session cookie SameSite');
    equal(maintCookie.path, '/', 'the session cookie Path');
    check(!maintCookie.secure, 'the session cookie is Secure on plain http');
    // A session lasts at most a week (GitLab's session_expire_delay); -1 is a browser-session cookie.
    check(maintCookie.expires === -1 || maintCookie.expires <= Date.now() / 1000 + 7 * 86400 + 60,
      `the session cookie outlives a week: expires ${maintCookie.expires}`);
    const html = await page.content();
    check(!html.includes(seed.maint.token) && !html.includes(maintCookie.value), 'the page holds the token or the session');
  });

  await step('home: both projects and the group, with their package counts', async () => {
    await page.goto(server.url + '/');
    const rows = await cellsOf(page, 'table[data-testid=projects] tr[data-testid=project-row]');
    equal(rows.length, 2, 'project rows');
    const secret = rows.find((r) => r.some((c) => c.includes('secret')));
    check(secret && secret.includes('26'), `the secret project's row shows 26 packages: ${JSON.stringify(rows)}`);
    const tools = rows.find((r) => r.some((c) => c.includes('tools')));
    check(tools && tools.includes('3'), `the tools project's row shows 3 packages: ${JSON.stringify(rows)}`);
    const groups = await cellsOf(page, 'table[data-testid=groups] tr[data-testid=group-row]');
    equal(groups.length, 1, 'group rows');
    check(groups[0].includes('29'), `the group's row shows 29 packages: ${JSON.stringify(groups)}`);
    equal((await page.locator('tr[data-testid=project-row] a', { hasText: 'secret' }).getAttribute('href')),
      '/acme/secret/-/packages', "the secret project's link");
  });

  await step('list: 20 rows, page 1 of 2, a next link and no previous one', async () => {
    await loads(page, () => page.locator('tr[data-testid=project-row] a', { hasText: 'secret' }).first().click());
    check(new URL(page.url()).pathname === '/acme/secret/-/packages', `went to ${page.url()}`);
    equal(await rowsOf(page), 20, 'rows on page 1');
    equal(await text(page, 'nav[data-testid=pagination] span.page-info'), 'Page 1 of 2', 'page info');
    equal(await count(page, 'nav[data-testid=pagination] a[rel=next]'), 1, 'next links');
    equal(await count(page, 'nav[data-testid=pagination] a[rel=prev]'), 0, 'previous links');
    const dt = await page.locator('tr[data-testid=package-row] td.created time').first().getAttribute('datetime');
    check(dt && !Number.isNaN(Date.parse(dt)) && /^\d{4}-\d\d-\d\dT/.test(dt), `created datetime ${dt}`);
    for (const sel of ['select[name=package_type]', 'input[name=package_name]', 'select[name=status]',
      'select[name=order_by]', 'select[name=sort]', '[type=submit]']) {
      equal(await count(page, `form[data-testid=filters] ${sel}`), 1, `filter controls ${sel}`);
    }
    equal((await page.locator('form[data-testid=filters]').getAttribute('method') || 'get').toLowerCase(), 'get',
      'filter form method');
  });

  await step('list: the name filter keeps the 3 widgets', async () => {
    await page.fill('form[data-testid=filters] input[name=package_name]', 'widget');
    await loads(page, () => page.click('form[data-testid=filters] [type=submit]'));
    check(new URL(page.url()).searchParams.get('package_name') === 'widget', `filter URL ${page.url()}`);
    equal(await namesOf(page), ['widget', 'widget', 'widget'], 'filtered names');
    equal((await texts(page, 'tr[data-testid=package-row] td.version')).sort(), ['1.0.0', '1.1.0', '2.0.0'],
      'filtered versions');
    equal(await count(page, 'nav[data-testid=pagination] a[rel=next]'), 0, 'next links on one page');
    await page.fill('form[data-testid=filters] input[name=package_name]', 'nothing-like-this');
    await loads(page, () => page.click('form[data-testid=filters] [type=submit]'));
    equal(await rowsOf(page), 0, 'rows for a name nothing has');
    equal(await count(page, 'p.empty'), 1, 'the empty message');
  });

  // Sorted by name, descending: widget x3, gadget-22 .. gadget-01, ci-built.
  const byNameDesc = ['widget', 'widget', 'widget',
    ...Array.from({ length: 22 }, (_, i) => `gadget-${String(22 - i).padStart(2, '0')}`), 'ci-built'];
  await step('list: sorted by name, descending', async () => {
    await page.fill('form[data-testid=filters] input[name=package_name]', '');
    // order_by without a change event, so that an autosubmitting select does not race the next one.
    await page.locator('form[data-testid=filters] select[name=order_by]').evaluate((s) => { s.value = 'name'; });
    const sort = page.locator('form[data-testid=filters] select[name=sort]');
    if (await sort.getAttribute('data-autosubmit') !== null) {
      await loads(page, () => sort.selectOption('desc'), 'choosing a data-autosubmit select (packyard.js submits on change)');
    } else {
      await sort.selectOption('desc');
      await loads(page, () => page.click('form[data-testid=filters] [type=submit]'));
    }
    const q = new URL(page.url()).searchParams;
    check(q.get('order_by') === 'name' && q.get('sort') === 'desc', `sorted URL ${page.url()}`);
    equal(await namesOf(page), byNameDesc.slice(0, 20), 'names on page 1');
  });

  await step('list: page 2 and back to page 1, keeping the order', async () => {
    await loads(page, () => page.click('nav[data-testid=pagination] a[rel=next]'));
    const q = new URL(page.url()).searchParams;
    check(q.get('page') === '2' && q.get('order_by') === 'name' && q.get('sort') === 'desc', `page 2 URL ${page.url()}`);
    equal(await namesOf(page), byNameDesc.slice(20), 'names on page 2');
    equal(await text(page, 'nav[data-testid=pagination] span.page-info'), 'Page 2 of 2', 'page info');
    equal(await count(page, 'nav[data-testid=pagination] a[rel=next]'), 0, 'next links on the last page');
    await loads(page, () => page.click('nav[data-testid=pagination] a[rel=prev]'));
    equal(await namesOf(page), byNameDesc.slice(0, 20), 'names back on page 1');
    equal(await text(page, 'nav[data-testid=pagination] span.page-info'), 'Page 1 of 2', 'page info');
  });

  const widget = seed.pkg['widget@2.0.0'];
  const widgetPath = `/acme/secret/-/packages/${widget.id}`;
  await step('package: widget 2.0.0 with its badges, install snippet, files, checksums, versions', async () => {
    const row = page.locator('tr[data-testid=package-row]', {
      has: page.locator('td.version', { hasText: /^\s*2\.0\.0\s*$/ }),
    });
    equal(await row.count(), 1, 'rows of widget 2.0.0');
    await loads(page, () => row.locator('td.name a').click());
    equal(new URL(page.url()).pathname, widgetPath, 'package page path');
    equal(await text(page, 'main h1'), 'widget', 'h1');
    equal(await text(page, 'span.badge.type'), 'generic', 'type badge');
    equal(await text(page, 'span.badge.version'), '2.0.0', 'version badge');
    check(await page.locator('time.created').getAttribute('datetime'), 'no time.created datetime');
    // The generic snippet is a curl command: its URL gives the first file's bytes.
    const install = await text(page, 'pre[data-testid=install]');
    const url = /"(http:\/\/[^"]+)"/.exec(install);
    check(url, `no quoted URL in the install snippet: ${install}`);
    const got = await fetch(url[1], { headers: { 'PRIVATE-TOKEN': seed.maint.token } });
    equal(got.status, 200, `GET ${url[1]} from the install snippet`);
    check(Buffer.compare(Buffer.from(await got.arrayBuffer()), seed.binary) === 0, 'the snippet URL gives other bytes');
    equal((await fileNamesOf(page)).sort(),
      ['widget-2.0.0.sha256', 'widget-2.0.0.tar.gz'], 'file names');
    const sums = page.locator('tr[data-testid=file-row]', { hasText: 'widget-2.0.0.tar.gz' })
      .locator('details[data-testid=checksums]');
    equal(await sums.count(), 1, 'checksum details of the tar.gz');
    check(!(await sums.evaluate((d) => d.open)), 'checksums are open before asked for');
    await sums.locator('summary').click();
    const shown = await sums.textContent();
    check(seed.sums.every((h) => shown.includes(h)), `the md5, sha1 and sha256 are not all in the checksums: ${shown}`);
    const versions = await texts(page, 'table[data-testid=versions] a');
    check(versions.some((v) => v.includes('1.0.0')) && versions.some((v) => v.includes('1.1.0')),
      `other versions: ${JSON.stringify(versions)}`);
    equal(await count(page, 'button[data-testid=delete-file]'), 2, 'delete-file buttons (Maintainer)');
    equal(await count(page, 'form.delete-package button[data-testid=delete-package]'), 1,
      'delete-package buttons (Maintainer)');
    noProblems('package page');
  });

  await step('package: downloading the tar.gz gives the uploaded bytes', async () => {
    const link = page.locator('tr[data-testid=file-row]', { hasText: 'widget-2.0.0.tar.gz' })
      .locator('a[data-testid=download]');
    const href = await link.getAttribute('href');
    check(/\/acme\/secret\/-\/package_files\/\d+\/download$/.test(new URL(href, server.url).pathname),
      `download link ${href}`);
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const bytes = readFileSync(await download.path());
    check(Buffer.compare(bytes, seed.binary) === 0, `downloaded ${bytes.length} bytes, not the ${seed.binary.length} uploaded`);
    equal(download.suggestedFilename(), 'widget-2.0.0.tar.gz', 'download file name');
  });

  await step('package: a POST without the right authenticity token is refused (422)', async () => {
    const res = await page.request.post(server.url + widgetPath + '/delete', {
      form: { authenticity_token: 'not-the-token' }, maxRedirects: 0,
    });
    equal(res.status(), 422, 'status');
    await server.api('GET', `/projects/${seed.secret.id}/packages/${widget.id}`, { token: ROOT_TOKEN });
  });

  await step('package: the Maintainer deletes a file after confirming', async () => {
    const form = page.locator('tr[data-testid=file-row]', { hasText: 'widget-2.0.0.sha256' }).locator('form.delete-file');
    const question = await form.getAttribute('data-confirm');
    check(question, 'the delete-file form has no data-confirm');
    // Refused first: nothing is sent, the page stays.
    page.answers = [false];
    await form.locator('button[data-testid=delete-file]').click();
    await page.waitForTimeout(500);
    equal(page.answers.length, 0, 'confirm dialogs left unshown (packyard.js asks before a delete)');
    equal(await count(page, 'tr[data-testid=file-row]'), 2, 'file rows after refusing the confirm');
    page.answers = [true];
    await loads(page, () => form.locator('button[data-testid=delete-file]').click(), 'accepting the delete');
    equal(page.answers.length, 0, 'confirm dialogs left unshown');
    equal(page.lastConfirm, question, 'the question confirm() asked');
    equal(new URL(page.url()).pathname, widgetPath, 'back on the package page');
    equal(await fileNamesOf(page), ['widget-2.0.0.tar.gz'], 'file rows');
    const files = await server.api('GET', `/projects/${seed.secret.id}/packages/${widget.id}/package_files`,
      { token: ROOT_TOKEN });
    equal(files.map((f) => f.file_name), ['widget-2.0.0.tar.gz'], 'files the API lists');
  });

  await step('package: the Maintainer deletes a whole package after confirming', async () => {
    const old = seed.pkg['widget@1.0.0'];
    await page.goto(server.url + old._links.web_path);
    const form = page.locator('form.delete-package');
    equal(await form.count(), 1, 'delete-package forms');
    const question = await form.getAttribute('data-confirm');
    check(question, 'the delete-package form has no data-confirm');
    page.answers = [true];
    await loads(page, () => form.locator('button[data-testid=delete-package]').click(), 'accepting the delete');
    equal(page.answers.length, 0, 'confirm dialogs left unshown');
    equal(page.lastConfirm, question, 'the question confirm() asked');
    check(!new URL(page.url()).pathname.endsWith(old._links.web_path), `still on the deleted package: ${page.url()}`);
    await server.api('GET', `/projects/${seed.secret.id}/packages/${old.id}`, { token: ROOT_TOKEN, expect: 404 });
    equal((await page.goto(server.url + old._links.web_path)).status(), 404, 'the deleted package page');
    await page.goto(server.url + '/acme/secret/-/packages?package_name=widget');
    equal((await texts(page, 'tr[data-testid=package-row] td.version')).sort(), ['1.1.0', '2.0.0'], 'widgets left');
  });

  await step('group: the group page lists both projects\' packages with their project, ordered by project', async () => {
    const res = await page.goto(server.url + '/groups/acme/-/packages?order_by=project_path&sort=desc');
    equal(res.status(), 200, 'group page status');
    check(await count(page, 'form[data-testid=filters] select[name=order_by] option[value=project_path]') === 1,
      'no project_path order on the group page');
    equal(await rowsOf(page), 20, 'rows on page 1');
    equal(await text(page, 'nav[data-testid=pagination] span.page-info'), 'Page 1 of 2', 'page info (28 packages)');
    const projects = await texts(page, 'tr[data-testid=package-row] td.project');
    equal(projects.length, 20, 'project cells');
    equal(projects.slice(0, 4).map((p) => p.includes('tools') ? 'tools' : p.includes('secret') ? 'secret' : p),
      ['tools', 'tools', 'tools', 'secret'], 'projects of the first rows, by project path descending');
  });

  await step('sign-out: the top bar shows the sign-in link; the old cookie opens nothing', async () => {
    equal(await withCookie(maintCookie, '/acme/secret/-/packages'), 200, 'private list with the cookie before sign-out');
    await signOut(page);
    check(!(await context.cookies()).some((c) => c.name === '_packyard_session' && c.value === maintCookie.value),
      'the browser still holds the session cookie');
    equal(await withCookie(maintCookie, '/acme/secret/-/packages'), 404, 'private list with the old cookie');
    equal((await page.goto(server.url + '/acme/secret/-/packages')).status(), 404, 'private list after sign-out');
  });

  await step('read_api: the Maintainer\'s read-only token sees no delete buttons', async () => {
    await signIn(page, seed.maintRead);
    equal(await text(page, 'header.topbar span[data-testid=user]'), 'Mara Maintainer', 'top bar user');
    await page.goto(server.url + widgetPath);
    equal(await count(page, 'tr[data-testid=file-row]'), 1, 'file rows');
    equal(await count(page, '[data-testid=delete-file], [data-testid=delete-package]'), 0, 'delete buttons');
    await signOut(page);
  });

  await step('revoking a token ends the sessions opened with it', async () => {
    const revocable = await server.token(seed.maint.id, ['api']);
    const ctx = await browser.newContext();
    const other = await ctx.newPage();
    watch(other, problems);
    await signIn(other, revocable.token);
    equal(await text(other, 'header.topbar span[data-testid=user]'), 'Mara Maintainer', 'top bar user');
    equal((await other.goto(server.url + '/acme/secret/-/packages')).status(), 200, 'private list while the token lives');
    await server.api('DELETE', `/personal_access_tokens/${revocable.id}`, { token: ROOT_TOKEN });
    equal((await other.goto(server.url + '/acme/secret/-/packages')).status(), 404, 'private list after revoking');
    equal(await count(other, 'header.topbar a[data-testid=sign-in]'), 1, 'sign-in links after revoking');
    await ctx.close();
  });

  await step('hostile name: the Developer\'s display name is shown as text in the top bar', async () => {
    await signIn(page, seed.dev.token);
    equal(await text(page, 'header.topbar span[data-testid=user]'), HOSTILE, 'top bar user');
    equal(await count(page, 'header.topbar img'), 0, 'images in the top bar');
    noProblems('top bar');
  });

  await step('hostile ref: the list shows the pipeline\'s ref and author as text', async () => {
    await page.goto(server.url + '/acme/secret/-/packages?package_name=ci-built');
    equal(await namesOf(page), ['ci-built'], 'rows');
    const cell = page.locator('tr[data-testid=package-row] td.pipeline');
    check((await cell.textContent()).includes(HOSTILE), `pipeline cell: ${await cell.textContent()}`);
    equal((await cell.locator('span.author').textContent()).trim(), HOSTILE, 'pipeline author');
    check((await cell.textContent()).includes('aaaaaaaa'), 'the short sha is not shown');
    equal(await count(page, 'main img'), 0, 'images in the list');
    await page.waitForTimeout(300); // a broken image would have been requested by now
    noProblems('list');
  });

  await step('hostile ref: the package page shows it as text in its pipelines', async () => {
    await loads(page, () => page.click('tr[data-testid=package-row] td.name a'));
    equal(new URL(page.url()).pathname, `/acme/secret/-/packages/${seed.pkg['ci-built@0.1.0'].id}`, 'package page');
    const pipelines = page.locator('table[data-testid=pipelines]');
    equal(await pipelines.count(), 1, 'pipelines tables');
    check((await pipelines.textContent()).includes(HOSTILE), `pipelines: ${await pipelines.textContent()}`);
    equal(await count(page, 'main img'), 0, 'images on the package page');
    await page.waitForTimeout(300);
    noProblems('package page');
  });

  await step('Developer: no delete buttons, and a delete POST is refused with 403', async () => {
    await page.goto(server.url + widgetPath);
    equal(await count(page, 'tr[data-testid=file-row]'), 1, 'file rows');
    equal(await count(page, '[data-testid=delete-file], [data-testid=delete-package], form.delete-file, form.delete-package'),
      0, 'delete buttons and forms');
    // The session's own CSRF token (from the sign-out form), so only the role can refuse it.
    const csrf = await page.locator('form[data-testid=sign-out] input[name=authenticity_token]').getAttribute('value');
    check(csrf, 'no authenticity_token in the sign-out form');
    const res = await page.request.post(server.url + widgetPath + '/delete', {
      form: { authenticity_token: csrf }, maxRedirects: 0,
    });
    equal(res.status(), 403, 'delete as a Developer');
    await server.api('GET', `/projects/${seed.secret.id}/packages/${widget.id}`, { token: ROOT_TOKEN });
    noProblems('Developer');
  });

  await step('sign-out: the Developer signs out', async () => {
    await signOut(page);
    equal((await page.goto(server.url + '/acme/secret/-/packages')).status(), 404, 'private list after sign-out');
    noProblems('the whole run');
  });
  await step('sign-in behind an https --external-url: the session cookie is Secure', async () => {
    // The browser cannot reach an https URL here, so the sign-in is done by hand: the GET gives
    // the double-submitted CSRF token, the POST the session cookie.
    const tls = await new Server(binary, ['--external-url', 'https://packages.example.com']).start();
    try {
      await tls.api('POST', '/users', { token: ROOT_TOKEN, json: { username: 'tls', name: 'TLS', email: 'tls@example.com' } });
      const token = (await tls.api('POST', '/users/2/personal_access_tokens', { token: ROOT_TOKEN, json: { name: 'w', scopes: ['api'] } })).token;
      const form = await fetch(tls.url + '/-/sign_in');
      const csrf = /_packyard_csrf=([^;]+)/.exec(form.headers.get('set-cookie') || '');
      check(csrf, `no _packyard_csrf cookie: ${form.headers.get('set-cookie')}`);
      const res = await fetch(tls.url + '/-/sign_in', {
        method: 'POST', redirect: 'manual',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: `_packyard_csrf=${csrf[1]}` },
        body: new URLSearchParams({ token, authenticity_token: decodeURIComponent(csrf[1]) }).toString(),
      });
      const session = res.headers.getSetCookie().find((c) => c.startsWith('_packyard_session='));
      check(session, `no session cookie (status ${res.status}): ${res.headers.getSetCookie()}`);
      const attrs = session.split(';').map((a) => a.trim().toLowerCase());
      check(attrs.includes('secure') && attrs.includes('httponly') && attrs.includes('samesite=lax') && attrs.includes('path=/'),
        `session cookie attributes: ${session.replace(/=[^;]+/, '=…')}`);
    } finally {
      tls.stop();
    }
  });
} catch (e) {
  failed = true;
  if (process.env.VERBOSE) console.log(e.stack);
  const tail = server.logTail();
  if (tail) console.log('server log (last lines):\n' + tail);
} finally {
  if (browser) await browser.close().catch(() => {});
  server.stop();
}
console.log(failed ? 'web_browser: FAILED' : 'web_browser: all steps passed');
process.exit(failed ? 1 : 0);
