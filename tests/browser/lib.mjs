// Browser test helpers for kluis: a real `kluis serve`, Debian's chromium
// driven by playwright-core, QR codes read back from screenshots with
// zbarimg, codes from oathtool, mail from the outbox, axe-core on every page.
//
// Environment (set by tests/tests.cmake):
//   KLUIS_BIN          the kluis binary
//   KLUIS_SHARE        the repository root (templates/, static/, data/)
//   KLUIS_SCREENSHOTS  where screenshots go (default build/browser-screenshots)
//   KLUIS_CHROMIUM     the browser (default /usr/bin/chromium)
//
// Extension points for the later journeys (grant, upload, download, second
// phone, admin reset): write them as functions like adminCreateUser() and
// firstLogin() below, built from visit(), submit(), enrolFromScreenshot(),
// Device.nextCode() and waitMail(); every page they open goes through
// visit()/afterNavigation() so it is screenshotted and checked.

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { createHash } from 'node:crypto';

const require = createRequire(import.meta.url);

export const BIN = process.env.KLUIS_BIN || '';
export const SHARE = process.env.KLUIS_SHARE ||
    path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
export const SHOTS = process.env.KLUIS_SCREENSHOTS ||
    path.join(SHARE, 'build', 'browser-screenshots');
export const CHROMIUM = process.env.KLUIS_CHROMIUM || '/usr/bin/chromium';
export const TEMP_PASSWORD_SUBJECT = /tijdelijke wachtwoord|temporary password/i;
export const PHONE = { width: 375, height: 812 };
export const DESKTOP = { width: 1280, height: 900 };
const SKIP = 77;	// CTest's SKIP_RETURN_CODE

// --------------------------------------------------------------- checks

let passed = 0, failed = 0;
const failures = [];
const cleanups = [];

export function check(name, cond, detail = '') {
	if (cond) {
		passed++;
		console.log(`ok    ${name}`);
	} else {
		failed++;
		failures.push(name);
		console.log(`FAIL  ${name}`);
		if (detail)
			for (const line of String(detail).split('\n').slice(0, 40))
				console.log(`        ${line}`);
	}
	return Boolean(cond);
}

export class Abort extends Error {}

export function require_(name, cond, detail = '') {
	if (!check(name, cond, detail))
		throw new Abort(name);
	return cond;
}

export function note(msg) {
	console.log(`      # ${msg}`);
}

// Skip (exit 77) when the tools are missing: `make test` installs them.
export function needTools() {
	const missing = [];
	if (!BIN || !fs.existsSync(BIN))
		missing.push(`KLUIS_BIN (${BIN})`);
	if (!fs.existsSync(CHROMIUM))
		missing.push(CHROMIUM);
	for (const tool of ['zbarimg', 'oathtool'])
		try {
			execFileSync('sh', ['-c', `command -v ${tool}`]);
		} catch {
			missing.push(tool);
		}
	for (const mod of ['playwright-core', 'axe-core'])
		try {
			require.resolve(mod);
		} catch {
			missing.push(`npm ${mod}`);
		}
	if (missing.length) {
		console.log(`SKIP: missing ${missing.join(', ')}; run ` +
		    'scripts/install-browser-deps.sh (make test does)');
		process.exit(SKIP);
	}
}

// Run the scenario, clean up, print the summary line, exit.
export async function run(title, fn) {
	console.log(`## ${title}`);
	try {
		await fn();
	} catch (e) {
		if (!(e instanceof Abort))
			check('scenario ran without an exception', false, e.stack || e);
		else
			note('scenario aborted after a failed requirement');
	}
	for (const c of cleanups.reverse())
		try {
			await c();
		} catch (e) {
			note(`cleanup: ${e}`);
		}
	if (failures.length) {
		console.log('\nFailures:');
		for (const f of failures)
			console.log(`  - ${f}`);
	}
	console.log(`\n${passed} passed, ${failed} failed`);
	process.exit(failed || !passed ? 1 : 0);
}

// --------------------------------------------------------------- server

function freePort() {
	return new Promise((resolve, reject) => {
		const s = net.createServer();
		s.listen(0, '127.0.0.1', () => {
			const port = s.address().port;
			s.close(() => resolve(port));
		});
		s.on('error', reject);
	});
}

// A `kluis serve` on a free loopback port with a fresh data directory;
// resolves with { url, data, outbox, adminEmail, adminPassword, stop() }.
export async function startServer(...extra) {
	const data = fs.mkdtempSync(path.join(os.tmpdir(), 'kluis-browser-'));
	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
	const proc = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`,
	    '--data', data, '--public-url', url, '--max-ip-failures', '1000',
	    ...extra], { cwd: SHARE, env: { ...process.env, KLUIS_SHARE: SHARE },
	    stdio: ['ignore', 'pipe', 'pipe'] });
	let out = '', err = '';
	proc.stdout.on('data', (d) => { out += d; });
	proc.stderr.on('data', (d) => { err += d; });
	const srv = {
		url, data, outbox: path.join(data, 'outbox'), proc,
		stdout: () => out, stderr: () => err,
		async stop() {
			if (proc.exitCode === null) {
				proc.kill('SIGTERM');
				await new Promise((r) => proc.once('exit', r));
			}
			if (!process.env.KLUIS_E2E_KEEP)
				fs.rmSync(data, { recursive: true, force: true });
		},
	};
	cleanups.push(() => srv.stop());
	const deadline = Date.now() + 20000;
	while (Date.now() < deadline) {
		// stdout is no terminal: the password is in a file of the data
		// directory (removed at the first login), not in the output.
		const file = path.join(data, 'first-admin-password');
		const text = out + (fs.existsSync(file) ?
		    fs.readFileSync(file, 'utf8') : '');
		const m = text.match(/temporary password:\s*(\S+)/);
		const e = text.match(/^\s*email:\s*(\S+)/m);
		if (m && e) {
			srv.adminPassword = m[1];
			srv.adminEmail = e[1];
			break;
		}
		if (proc.exitCode !== null)
			break;
		await new Promise((r) => setTimeout(r, 100));
	}
	require_('server printed the first admin', srv.adminPassword,
	    `stdout:\n${out}\nstderr:\n${err}`);
	note(`server at ${url}, data ${data}`);
	return srv;
}

// --------------------------------------------------------------- mail

// The newest outbox message to ADDR whose Subject matches SUBJECT, as
// { subject, body, secret } (secret: the first line indented 4 spaces).
export async function waitMail(srv, addr, subject = TEMP_PASSWORD_SUBJECT,
    { timeout = 10000, exclude = new Set() } = {}) {
	const deadline = Date.now() + timeout;
	for (;;) {
		const files = fs.existsSync(srv.outbox) ?
		    fs.readdirSync(srv.outbox).filter((f) => f.endsWith('.eml'))
			.sort().reverse() : [];
		for (const f of files) {
			if (exclude.has(f))
				continue;
			const raw = fs.readFileSync(path.join(srv.outbox, f), 'utf8');
			const [folded, ...rest] = raw.split(/\r?\n\r?\n/);
			// Long header fields are folded (RFC 5322): unfold them.
			const head = folded.replace(/\r?\n[ \t]+/g, ' ');
			const to = (head.match(/^To:(.*)$/mi) || [])[1] || '';
			const subj = decodeHeader((head.match(/^Subject:(.*)$/mi) ||
			    [])[1] || '');
			if (!to.toLowerCase().includes(addr.toLowerCase()) ||
			    !subject.test(subj))
				continue;
			const body = decodeBody(head, rest.join('\n\n'));
			const secret = (body.match(/^ {4}(\S+)\s*$/m) || [])[1];
			return { file: f, subject: subj, body, secret };
		}
		if (Date.now() > deadline)
			return null;
		await new Promise((r) => setTimeout(r, 200));
	}
}

export function outboxFiles(srv) {
	return new Set(fs.existsSync(srv.outbox) ? fs.readdirSync(srv.outbox) : []);
}

function decodeHeader(s) {
	// Space between two encoded words is not part of the text (RFC 2047).
	return s.trim().replace(/\?=\s+=\?/g, '?==?')
	    .replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_, enc, t) =>
	    enc.toLowerCase() === 'b' ? Buffer.from(t, 'base64').toString() :
	    decodeQP(t.replace(/_/g, ' ')));
}

function decodeQP(s) {
	const bytes = [];
	const t = s.replace(/=\r?\n/g, '');
	for (let i = 0; i < t.length; i++) {
		if (t[i] === '=' && /^[0-9A-F]{2}$/i.test(t.substr(i + 1, 2))) {
			bytes.push(parseInt(t.substr(i + 1, 2), 16));
			i += 2;
		} else
			bytes.push(...Buffer.from(t[i]));
	}
	return Buffer.from(bytes).toString('utf8');
}

function decodeBody(head, body) {
	const cte = ((head.match(/^Content-Transfer-Encoding:(.*)$/mi) || [])[1] ||
	    '').trim().toLowerCase();
	if (cte === 'base64')
		return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
	if (cte === 'quoted-printable')
		return decodeQP(body);
	return body;
}

// --------------------------------------------------------------- TOTP

export const STEP = 30;

export function oathtool(secret, epoch) {
	const args = ['--totp', '-b'];
	if (epoch !== undefined)
		args.push('--now', `@${epoch}`);
	args.push(secret);
	return execFileSync('oathtool', args).toString().trim();
}

// An authenticator app: the secret and the last step the server accepted.
export class Device {
	constructor(secret, name) {
		this.secret = secret;
		this.name = name;
		this.last = null;
	}

	// [code, step] for the next step the server takes: the current step,
	// or the one after the last accepted (T+1 is inside the ±1 window).
	async nextCode() {
		const left = STEP - (Date.now() / 1000) % STEP;
		if (left < 3)	// not at a step boundary
			await new Promise((r) => setTimeout(r, left * 1000 + 200));
		const cur = Math.floor(Date.now() / 1000 / STEP);
		let step = cur;
		if (this.last !== null && step <= this.last)
			step = this.last + 1;
		if (step > cur + 1) {
			const wait = ((step - 1) * STEP - Date.now() / 1000 + 0.5) * 1000;
			note(`waiting ${Math.round(wait / 1000)} s for the next step`);
			await new Promise((r) => setTimeout(r, wait));
		}
		return [oathtool(this.secret, step * STEP), step];
	}

	accepted(step) {
		this.last = step;
	}
}

// --------------------------------------------------------------- browser

let chromium;

// A person with their own browser: a fresh profile (--user-data-dir),
// desktop or phone sized. Returns { ctx, page, actor }.
export async function openBrowser(actor, { phone = false } = {}) {
	if (!chromium)
		({ chromium } = await import('playwright-core'));
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), `kluis-${actor}-`));
	const ctx = await chromium.launchPersistentContext(profile, {
		executablePath: CHROMIUM,
		headless: true,
		args: ['--headless', '--no-sandbox', '--disable-gpu',
		    '--disable-quic', '--no-first-run',
		    '--disable-background-networking', '--disable-component-update',
		    '--disable-sync'],
		viewport: phone ? PHONE : DESKTOP,
		isMobile: false,
		locale: 'nl-NL',
		acceptDownloads: true,
	});
	cleanups.push(async () => {
		await ctx.close();
		fs.rmSync(profile, { recursive: true, force: true });
	});
	const page = ctx.pages()[0] || await ctx.newPage();
	const b = { ctx, page, actor, phone, shots: 0, cspErrors: [] };
	page.on('console', (m) => {
		if (m.type() === 'error' && /Content Security Policy/i.test(m.text()))
			b.cspErrors.push(m.text());
	});
	return b;
}

function slug(s) {
	return s.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase();
}

// The data-page of the page shown.
export async function pageName(b) {
	return b.page.evaluate(() => document.body?.dataset.page ?? null);
}

// Screenshot into SHOTS as NN-actor-label.png; returns the path.
export async function shot(b, label) {
	fs.mkdirSync(SHOTS, { recursive: true });
	b.shots++;
	const file = path.join(SHOTS, `${String(b.shots).padStart(2, '0')}-` +
	    `${slug(b.actor)}-${slug(label)}${b.phone ? '-phone' : ''}.png`);
	await b.page.screenshot({ path: file, fullPage: true });
	return file;
}

let axeSource;

// axe-core on the page shown: no violation of impact moderate or above
// (moderate, serious, critical); minor ones are noted.
const AXE_BAD = new Set(['moderate', 'serious', 'critical']);

export async function axeCheck(b, label) {
	if (!axeSource)
		axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'),
		    'utf8');
	// Evaluated through the DevTools protocol, not as an inline <script>:
	// the page's CSP (no inline script) stays in force.
	await b.page.evaluate(axeSource);
	const result = await b.page.evaluate(async () => {
		const r = await window.axe.run(document, {
			resultTypes: ['violations'],
		});
		return r.violations.map((v) => ({
			id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
		}));
	});
	const bad = result.filter((v) => AXE_BAD.has(v.impact));
	for (const v of result.filter((x) => !bad.includes(x)))
		note(`axe ${v.impact}: ${v.id} on ${label} (${v.help})`);
	return check(`axe: no moderate, serious or critical violations on ${label}`,
	    bad.length === 0, JSON.stringify(bad, null, 1));
}

// No horizontal scrolling of the page itself (tables scroll in their box).
export async function overflowCheck(b, label) {
	const o = await b.page.evaluate(() => ({
		scroll: document.documentElement.scrollWidth,
		client: document.documentElement.clientWidth,
	}));
	return check(`no horizontal overflow at ${b.page.viewportSize().width}px ` +
	    `on ${label}`, o.scroll <= o.client, JSON.stringify(o));
}

// No table of the page hides a column: every cell is shown (a width), and
// lies inside the window, unless it is in a labelled region that scrolls
// (overflow-x auto, focusable, with a name) so it can be scrolled to.
export async function tablesShowEveryColumn(b, label) {
	const hidden = await b.page.evaluate(() => {
		const out = [];
		const vw = document.documentElement.clientWidth;
		for (const t of document.querySelectorAll('main table')) {
			const region = t.closest('[role=region]');
			const scrolls = region && getComputedStyle(region).overflowX ===
			    'auto' && region.tabIndex === 0 &&
			    (region.getAttribute('aria-labelledby') ||
			    region.getAttribute('aria-label'));
			for (const row of t.tBodies[0]?.rows ?? []) {
				for (const c of row.cells) {
					const r = c.getBoundingClientRect();
					const st = getComputedStyle(c);
					if (r.width < 1 || r.height < 1 || st.visibility ===
					    'hidden' || st.display === 'none')
						out.push(`${c.cellIndex}: not shown`);
					else if (!scrolls && (r.right > vw + 0.5 || r.left < -0.5))
						out.push(`${c.cellIndex}: ${Math.round(r.left)}-` +
						    `${Math.round(r.right)} outside 0-${vw}`);
				}
			}
		}
		return out;
	});
	return check(`every column of every table is shown at ` +
	    `${b.page.viewportSize().width}px on ${label}`, hidden.length === 0,
	    hidden.slice(0, 10).join('\n'));
}

// The rows the header's links and buttons take.
export async function headerRows(b) {
	return b.page.evaluate(() => {
		const tops = new Set();
		for (const e of document.querySelectorAll('header.top a, ' +
		    'header.top button')) {
			const r = e.getBoundingClientRect();
			if (r.width > 0 && r.height > 0)
				tops.add(Math.round((r.top + r.bottom) / 2 / 8));
		}
		return tops.size;
	});
}

// Every page a test lands on: screenshot, axe, overflow on phones, no CSP
// errors. Returns the data-page.
export async function afterNavigation(b, label) {
	const name = await pageName(b);
	await shot(b, label);
	await axeCheck(b, `${label} (${b.actor})`);
	if (b.phone)
		await overflowCheck(b, `${label} (${b.actor})`);
	check(`no CSP errors on ${label} (${b.actor})`, b.cspErrors.length === 0,
	    b.cspErrors.join('\n'));
	b.cspErrors = [];
	return name;
}

// Open PATH and check it as afterNavigation() does; requires data-page EXPECT.
export async function visit(b, srv, urlPath, expect, label = expect) {
	const resp = await b.page.goto(srv.url + urlPath);
	const name = await afterNavigation(b, label);
	require_(`GET ${urlPath} shows ${expect} (${b.actor})`,
	    name === expect, `data-page=${name}, status ${resp?.status()}`);
	return resp;
}

// Click the submit button of the form posting to ACTION after filling
// FIELDS ({ name: value }, checkboxes/radios: true or the value); waits for
// the next page, requires data-page EXPECT, checks it. BUTTON: optional text.
export async function submit(b, action, fields, expect, label = expect,
    button = null) {
	const form = b.page.locator(`form[action="${action}"]`).first();
	for (const [name, value] of Object.entries(fields)) {
		const input = form.locator(`[name="${name}"]`);
		const type = await input.first().getAttribute('type');
		if (type === 'radio')
			await form.locator(`[name="${name}"][value="${value}"]`).check();
		else if (type === 'checkbox')
			await (value ? input.check() : input.uncheck());
		else
			await input.fill(String(value));
	}
	const btn = button ? form.getByRole('button', { name: button }) :
	    form.locator('button[type=submit]').first();
	await Promise.all([b.page.waitForNavigation(), btn.click()]);
	const name = await afterNavigation(b, label);
	require_(`POST ${action} leads to ${expect} (${b.actor})`,
	    name === expect, `data-page=${name} at ${b.page.url()}; ` +
	    `errors: ${await b.page.locator('.error').allInnerTexts()}`);
	return name;
}

// --------------------------------------------------------------- journeys

// Decode the QR on the enrolment page from a screenshot, as a phone would.
export async function enrolFromScreenshot(b, label = 'enrol') {
	const file = await shot(b, `${label}-qr`);
	let uri;
	try {
		uri = execFileSync('zbarimg', ['--raw', '-q', file]).toString().trim();
	} catch (e) {
		require_('zbarimg decodes the QR in the screenshot', false,
		    `${file}: ${e}`);
	}
	check('the QR holds an otpauth://totp/ URI',
	    uri.startsWith('otpauth://totp/'), uri);
	const secret = new URL(uri).searchParams.get('secret');
	require_('the otpauth URI has a secret', secret, uri);
	const shown = (await b.page.locator('#secret').textContent())
	    .replace(/\s+/g, '');
	check('the QR secret equals the one shown for typing', shown === secret,
	    `${shown} vs ${secret}`);
	return secret;
}

// The first login of EMAIL with the temporary password TEMP: login, enrol
// from the screenshot, new password, a fresh code, home. Returns
// { device, password }.
export async function firstLogin(b, srv, email, temp, {
	deviceName = 'Mijn telefoon', password = null, typed = (c) => c } = {}) {
	await visit(b, srv, '/login', 'login');
	await submit(b, '/login', { email, password: temp }, 'enrol');
	const device = new Device(await enrolFromScreenshot(b), deviceName);
	let [code, step] = await device.nextCode();
	await submit(b, '/enrol', { code: typed(code), device_name: deviceName },
	    'password');
	device.accepted(step);
	password = password || `lantaarn-vlieger-${Date.now() % 100000}-zeehond`;
	await submit(b, '/password', { password, password_confirm: password },
	    'otp');
	[code, step] = await device.nextCode();	// step T+1: a fresh code
	// A phone just linked: the portal offers recovery codes first.
	await submit(b, '/otp', { code: typed(code) }, 'recovery',
	    'recovery-offered');
	device.accepted(step);
	await visit(b, srv, '/', 'home');
	return { device, password };
}

// The admin creates EMAIL in the console; returns the new user's id.
export async function adminCreateUser(b, srv, email, name = '') {
	await visit(b, srv, '/admin', 'admin/users', 'admin-users');
	await Promise.all([b.page.waitForNavigation(),
	    b.page.locator('a[href="/admin/users/new"]').click()]);
	require_('the new-user link opens the form',
	    await afterNavigation(b, 'admin-user-new') === 'admin/user_new');
	await submit(b, '/admin/users', { email, name, lang: 'nl' },
	    'admin/user', 'admin-user-created');
	const id = Number(new URL(b.page.url()).pathname.split('/').pop());
	check('the console shows the new user', (await b.page.locator('h1')
	    .innerText()).includes(email));
	return id;
}

// The admin creates subject CODE in the console.
export async function adminCreateSubject(b, srv, code, title, description = '') {
	await visit(b, srv, '/admin/subjects', 'admin/subjects', 'admin-subjects');
	await submit(b, '/admin/subjects', { code, title, description },
	    'admin/subject', 'admin-subject-created');
}

// The admin grants CODE to EMAIL from the subject page.
export async function adminGrant(b, srv, code, email) {
	await visit(b, srv, `/admin/subjects/${code}`, 'admin/subject',
	    'admin-subject');
	await submit(b, `/admin/subjects/${code}/grant`, { email },
	    'admin/subject', 'admin-subject-granted');
}

// The admin uploads FILE (a path) to CODE for every grantee, with an
// optional expiry date (YYYY-MM-DD).
export async function adminUpload(b, srv, code, file, expires = '') {
	await visit(b, srv, `/admin/subjects/${code}`, 'admin/subject',
	    'admin-subject-upload');
	const action = `/admin/subjects/${code}/upload`;
	await b.page.locator(`form[action="${action}"] input[type=file]`)
	    .setInputFiles(file);
	await submit(b, action, expires ? { expires } : {}, 'admin/subject',
	    'admin-subject-published');
}

// The user unlocks CODE with VCODE and downloads file ID through the
// browser's download; returns the SHA-256 of what arrived.
export async function unlockAndDownload(b, srv, code, vcode, id) {
	await visit(b, srv, `/subjects/${code}`, 'subject', 'subject-locked');
	await submit(b, `/subjects/${code}/unlock`, { validation_code: vcode },
	    'subject', 'subject-unlocked');
	const [dl] = await Promise.all([b.page.waitForEvent('download'),
	    b.page.locator(`a[href="/files/${id}"]`).click()]);
	const file = await dl.path();
	return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

// A logged-in user adds a second phone on /account; returns its Device.
// PASSWORD: the current password, when the form asks for it.
export async function addSecondPhone(b, srv, name = 'Nog een telefoon',
    password = null) {
	await visit(b, srv, '/account', 'account', 'account');
	await visit(b, srv, '/account/add', 'account_add', 'account-add');
	const device = new Device(await enrolFromScreenshot(b, 'account-add'),
	    name);
	const [code, step] = await device.nextCode();
	const fields = { code, device_name: name };
	if (password && await b.page.locator('form[action="/account/add"] ' +
	    '[name="current_password"]').count())
		fields.current_password = password;
	await submit(b, '/account/add', fields, 'account', 'account-added');
	device.accepted(step);
	return device;
}

// Log out, then log in with EMAIL/PASSWORD choosing DEVICE at /otp.
export async function loginWithDevice(b, srv, email, password, device) {
	await Promise.all([b.page.waitForNavigation(),
	    b.page.locator('form[action="/logout"] button').click()]);
	await visit(b, srv, '/login', 'login', 'login-again');
	await submit(b, '/login', { email, password }, 'otp', 'otp-choose');
	await b.page.getByLabel(device.name, { exact: true }).check();
	const [code, step] = await device.nextCode();
	await submit(b, '/otp', { code }, 'home', 'home-second-phone');
	device.accepted(step);
}

// The admin resets the authenticators of user ID, through the confirmation.
export async function adminResetAuthenticators(b, srv, id) {
	await visit(b, srv, `/admin/users/${id}`, 'admin/user', 'admin-user');
	await Promise.all([b.page.waitForNavigation(), b.page.locator(
	    `a[href="/admin/users/${id}/reset-otp"]`).first().click()]);
	require_('the reset asks first', await afterNavigation(b,
	    'admin-confirm-reset') === 'admin/confirm');
	await submit(b, `/admin/users/${id}/reset-otp`, {}, 'admin/user',
	    'admin-user-reset');
}
