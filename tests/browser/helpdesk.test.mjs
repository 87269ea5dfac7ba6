// No dead ends for a coordinator and the helpdesk, in Chromium. The portal
// is branded (organisation, logo, helpdesk) on every page and in its mail;
// Back after a failed form shows a page of the portal (Post/Redirect/Get,
// never "Confirm Form Resubmission"); codes typed as apps show them
// ("123 456") log in; the enrolment QR stays the same over a new session;
// recovery codes are offered after the first login, printed or saved; a
// lost phone leads on from /otp to a recovery code or to the administrator
// (who sees the request in the console); a code from the other phone gets
// a hint that names it; a file link after the unlock expired shows the page
// that asks for the validation code; a session that timed out says so and
// comes back to the page it was on, as does the link of a new-file mail.
// Every page: axe-core (nothing moderate or worse), no CSP errors; the
// coordinator at phone width (375 and 320 px) sees every column of every
// table and a header of at most two rows.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
	needTools, run, check, require_, startServer, openBrowser, visit, submit,
	firstLogin, adminCreateUser, waitMail, adminCreateSubject, adminGrant,
	adminUpload, addSecondPhone, afterNavigation, pageName, shot, note,
	tablesShowEveryColumn, headerRows, outboxFiles, SHOTS,
} from './lib.mjs';

needTools();

const ORG = 'Gemeente Voorbeeld';
const PHONE_NR = '030 123 45 67';
const spaced = (c) => `${c.slice(0, 3)} ${c.slice(3)}`;

// Back in the history: the page shown must be one of the portal's (a
// page that would post again shows Chromium's ERR_CACHE_MISS instead).
async function backIsAPage(b, label) {
	let error = '';
	try {
		await b.page.goBack({ waitUntil: 'load', timeout: 10000 });
	} catch (e) {
		error = String(e);
	}
	const name = await pageName(b).catch(() => null);
	return check(`Back after ${label} shows a page of the portal`,
	    name !== null && !b.page.url().startsWith('chrome-error') && !error,
	    `url ${b.page.url()}, data-page ${name}, ${error}`);
}

// Click LOCATOR and wait for the page it opens (or fail after a while).
async function clickTo(b, locator, label) {
	const nav = b.page.waitForNavigation({ timeout: 15000 })
	    .then(() => true, () => false);
	await locator.click();
	const moved = await nav;
	check(`${label}: a page opens`, moved, b.page.url());
	return moved ? afterNavigation(b, label) : null;
}

await run('Coordinators and the helpdesk: no dead ends', async () => {
	const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kluis-helpdesk-'));
	const logo = path.join(tmp, 'logo.svg');
	fs.writeFileSync(logo, '<svg xmlns="http://www.w3.org/2000/svg" ' +
	    'width="64" height="64" viewBox="0 0 64 64"><rect width="64" ' +
	    'height="64" rx="8" fill="#00529c"/><path d="M16 44V20h8l8 14 8-14h8' +
	    'v24h-7V32l-9 14-9-14v12z" fill="#fff"/></svg>\n');
	const srv = await startServer('--organisation-name', ORG,
	    '--contact-phone', PHONE_NR, '--contact-email',
	    'helpdesk@voorbeeld.example', '--contact-hours',
	    'maandag tot en met vrijdag, 9.00-17.00 uur', '--logo', logo,
	    '--unlock-seconds', '25', '--api-tokens');

	// Branding: the login page, an error page.
	const guest = await openBrowser('guest');
	await visit(guest, srv, '/login', 'login', 'branded-login');
	const header = await guest.page.locator('header').innerText();
	check('the login page names the organisation', header.includes(ORG),
	    header);
	check('the logo is shown', await guest.page.locator('header img.logo')
	    .evaluate((i) => i.complete && i.naturalWidth > 0));
	const footer = await guest.page.locator('footer').innerText();
	check('the footer gives the helpdesk', footer.includes(PHONE_NR) &&
	    footer.includes('helpdesk@voorbeeld.example'), footer);
	check('the title names the organisation',
	    (await guest.page.title()).includes(ORG));
	const resp = await guest.page.goto(`${srv.url}/bestaat-niet`);
	await afterNavigation(guest, 'branded-404');
	check('an error page is branded and gives the helpdesk',
	    resp.status() === 404 && (await guest.page.locator('body')
		.innerText()).includes(PHONE_NR));

	// The admin, and what the coordinators need.
	const admin = await openBrowser('admin');
	await firstLogin(admin, srv, srv.adminEmail, srv.adminPassword);
	const email = 'coordinator@gemeente.example';
	await adminCreateUser(admin, srv, email, 'Coördinator Een');
	const mail = await waitMail(srv, email);
	require_('the temporary password mail', mail?.secret);
	check('the mail says which organisation sent it', mail.subject
	    .includes(ORG) && mail.body.includes(ORG) &&
	    mail.body.includes(PHONE_NR), `${mail.subject}\n${mail.body}`);
	await adminCreateSubject(admin, srv, 'DakMon', 'Dakloosheid');
	await adminGrant(admin, srv, 'DakMon', email);
	const file = path.join(tmp, 'op-orde-2026.csv');
	fs.writeFileSync(file, 'gemeente;aantal\nVoorbeeld;12\n');
	await adminUpload(admin, srv, 'DakMon', file);

	// The coordinator, on a phone: a wrong password first.
	const c = await openBrowser('coordinator', { phone: true });
	await visit(c, srv, '/login', 'login', 'login');
	await submit(c, '/login', { email, password: 'fout-wachtwoord' }, 'login',
	    'login-wrong');
	check('the email typed comes back', await c.page.locator('#email')
	    .inputValue() === email);
	check('the error summary has the focus', await c.page.evaluate(() =>
	    document.activeElement?.id) === 'error-summary');
	check('the password field is marked invalid and described by the error',
	    await c.page.locator('#password').getAttribute('aria-invalid') ===
	    'true' && (await c.page.locator('#password')
		.getAttribute('aria-describedby')).includes('form-error'));
	await submit(c, '/login', { email, password: mail.secret.toUpperCase() },
	    'enrol', 'enrol-after-wrong');
	await backIsAPage(c, 'a wrong password and the right one');

	// The first login, typing codes as the app shows them: "123 456".
	const acct = await firstLogin(c, srv, email, mail.secret,
	    { typed: spaced });
	check('codes typed with a space log in', (await pageName(c)) === 'home');
	check('the home page asks for recovery codes', await c.page
	    .locator('#recovery-prompt').count() === 1);

	// Recovery codes: printed or saved, shown until put away.
	await visit(c, srv, '/account/recovery', 'recovery', 'recovery');
	await submit(c, '/account/recovery', { current_password: acct.password },
	    'recovery_codes', 'recovery-codes');
	const codes = await c.page.locator('#recovery-codes code').allInnerTexts();
	check('ten recovery codes', codes.length === 10, codes);
	await c.page.reload();
	check('a reload shows the same codes (nothing posted again)',
	    JSON.stringify(await c.page.locator('#recovery-codes code')
		.allInnerTexts()) === JSON.stringify(codes));
	const txt = await c.ctx.request.get(`${srv.url}/account/recovery/codes.txt`);
	const body = await txt.text();
	check('the codes download as a text file', txt.ok() &&
	    (txt.headers()['content-disposition'] || '').includes('attachment') &&
	    codes.every((x) => body.includes(x)), body);
	await c.page.emulateMedia({ media: 'print' });
	check('printed, only the codes show', !(await c.page.locator('header')
	    .isVisible()) && await c.page.locator('#recovery-codes').isVisible());
	await shot(c, 'recovery-codes-print');
	await c.page.emulateMedia({ media: 'screen' });
	await submit(c, '/account/recovery/done', {}, 'account', 'codes-kept');

	// The validation code: a wrong one, then the right one, then Back.
	const vmail = await waitMail(srv, email, /validatiecode voor DakMon/i);
	require_('the validation code mail', vmail?.secret);
	await visit(c, srv, '/subjects/DakMon', 'subject', 'subject-locked');
	await submit(c, '/subjects/DakMon/unlock', { validation_code:
	    'AAAA-BBBB-CCCC' }, 'subject', 'subject-wrong-code');
	await submit(c, '/subjects/DakMon/unlock', { validation_code:
	    vmail.secret }, 'subject', 'subject-unlocked');
	const unlockedAt = Date.now();
	await backIsAPage(c, 'a wrong validation code and the right one');
	await visit(c, srv, '/subjects/DakMon', 'subject', 'subject-files');
	check('the header takes at most two rows at 375 px',
	    await headerRows(c) <= 2, await headerRows(c));
	await tablesShowEveryColumn(c, 'the files at 375 px');
	check('the times are in words ("1 december 2026 om 18:59")',
	    /\d{1,2} [a-z]+ \d{4}/.test(await c.page.locator('table.files')
		.innerText()));
	await c.page.setViewportSize({ width: 320, height: 640 });
	await tablesShowEveryColumn(c, 'the files at 320 px');
	await visit(c, srv, '/account', 'account', 'account-320');
	await tablesShowEveryColumn(c, 'the phones at 320 px');
	await c.page.setViewportSize({ width: 375, height: 812 });

	// The unlock expires while the page is open: the file link says so.
	await visit(c, srv, '/subjects/DakMon', 'subject', 'subject-open');
	const wait = unlockedAt + 26000 - Date.now();
	if (wait > 0) {
		note(`waiting ${Math.round(wait / 1000)} s for the unlock to expire`);
		await new Promise((r) => setTimeout(r, wait));
	}
	const name = await clickTo(c, c.page.locator('table.files a').first(),
	    'a file link after the unlock expired');
	check('it shows the page that asks for the validation code',
	    name === 'subject' && await c.page.locator(
		'form[action="/subjects/DakMon/unlock"]').count() === 1 &&
	    (await c.page.locator('#form-error').innerText())
		.includes('validatiecode opnieuw'));

	// An access token: a failed form keeps what it had; the new token is
	// shown on its own page, again on Reload, and Back is a page.
	await submit(c, '/subjects/DakMon/unlock', { validation_code:
	    vmail.secret }, 'subject', 'subject-unlocked-again');
	await visit(c, srv, '/account/tokens', 'account_tokens', 'tokens');
	await submit(c, '/account/tokens', { name: 'Analyse', subject: true,
	    current_password: 'fout-wachtwoord' }, 'account_tokens',
	    'tokens-wrong');
	check('the token form keeps the name and the subject',
	    await c.page.locator('#name').inputValue() === 'Analyse' &&
	    await c.page.locator('input[name="subject"]').isChecked());
	await submit(c, '/account/tokens', { current_password: acct.password },
	    'token_created', 'token-created');
	const token = await c.page.locator('#token').innerText();
	await c.page.reload();
	check('a reload shows the same token (nothing posted again)',
	    await c.page.locator('#token').innerText() === token, token);
	await backIsAPage(c, 'a new access token');

	// A second phone; a code from the phone that is not chosen.
	const second = await addSecondPhone(c, srv, 'Nog een telefoon',
	    acct.password);
	await clickTo(c, c.page.locator('form[action="/logout"] button'),
	    'logout');
	check('the login page says "U bent uitgelogd"', (await c.page
	    .locator('main').innerText()).includes('U bent uitgelogd'));
	await submit(c, '/login', { email, password: acct.password }, 'otp',
	    'otp-two-phones');
	await c.page.getByLabel('Mijn telefoon', { exact: true }).check();
	const [code2, step2] = await second.nextCode();
	await submit(c, '/otp', { code: code2 }, 'otp', 'otp-other-phone');
	const hint = await c.page.locator('#form-error').innerText();
	check('a code of the other phone gets a hint that names it',
	    hint.includes('andere telefoon') && hint.includes('Nog een telefoon'),
	    hint);
	check('... and that phone is now chosen', await c.page.getByLabel(
	    'Nog een telefoon', { exact: true }).isChecked());
	// That code is spent (a guess of another phone's code gains nothing):
	// sent again for its own phone it is refused; the next one works.
	await submit(c, '/otp', { code: code2 }, 'otp', 'otp-code-spent');
	second.accepted(step2);
	const [code3, step3] = await second.nextCode();
	await submit(c, '/otp', { code: code3 }, 'home', 'home-second-phone');
	second.accepted(step3);

	// A lost phone: /otp leads on to a recovery code.
	await clickTo(c, c.page.locator('form[action="/logout"] button'),
	    'logout-again');
	await submit(c, '/login', { email, password: acct.password }, 'otp',
	    'otp-lost-phone');
	require_('/otp offers "Telefoon kwijt?"', await clickTo(c,
	    c.page.getByRole('link', { name: 'Telefoon kwijt?' }),
	    'telefoon-kwijt') === 'otp_lost');
	await shot(c, 'otp-lost');
	require_('it offers a recovery code', await clickTo(c, c.page
	    .getByRole('link', { name: 'Gebruik een herstelcode' }),
	    'use-recovery-code') === 'otp_recovery');
	await submit(c, '/otp/recovery', { recovery_code: codes[0] }, 'home',
	    'home-by-recovery-code');

	// Another coordinator: the same QR after a new session; then asking
	// the administrator for a reset from /otp.
	const email2 = 'ruben@gemeente.example';
	await adminCreateUser(admin, srv, email2, 'Ruben');
	const mail2 = await waitMail(srv, email2);
	const r = await openBrowser('ruben');
	await visit(r, srv, '/login', 'login', 'ruben-login');
	await submit(r, '/login', { email: email2, password: mail2.secret },
	    'enrol', 'ruben-enrol');
	const qr1 = await r.page.locator('#secret').textContent();
	await r.ctx.clearCookies();	// the session is gone (a timeout)
	await visit(r, srv, '/login', 'login', 'ruben-login-again');
	await submit(r, '/login', { email: email2, password: mail2.secret },
	    'enrol', 'ruben-enrol-again');
	check('after a new session the enrolment shows the same QR code',
	    await r.page.locator('#secret').textContent() === qr1);
	const racct = await firstLogin(r, srv, email2, mail2.secret);
	await clickTo(r, r.page.locator('form[action="/logout"] button'),
	    'ruben-logout');
	await submit(r, '/login', { email: email2, password: racct.password },
	    'otp', 'ruben-otp');
	require_('/otp offers "Telefoon kwijt?"', await clickTo(r,
	    r.page.getByRole('link', { name: 'Telefoon kwijt?' }),
	    'ruben-telefoon-kwijt') === 'otp_lost');
	const before = outboxFiles(srv);
	await submit(r, '/otp/lost', {}, 'reset_requested', 'ruben-requested');
	const amail = await waitMail(srv, srv.adminEmail, /authenticator/i,
	    { exclude: before });
	const uid = (amail?.body.match(/\/admin\/users\/(\d+)#request/) ||
	    [])[1];
	check('the administrators get a mail that links to the user\'s page ' +
	    'in the console', uid && amail.body.includes(
		`${srv.url}/admin/users/${uid}#request`), amail?.body);
	await visit(admin, srv, '/admin', 'admin/users', 'admin-requests');
	check('the console lists the request', (await admin.page
	    .locator('#requests').locator('..').innerText()).includes(email2));
	await visit(admin, srv, `/admin/users/${uid}`, 'admin/user',
	    'admin-user-request');
	await clickTo(admin, admin.page.locator(
	    `#request-box a[href="/admin/users/${uid}/reset-otp"]`),
	    'admin-approve');
	await submit(admin, `/admin/users/${uid}/reset-otp`, {}, 'admin/user',
	    'admin-approved');

	// The link of a new-file mail, opened without a session: after the
	// login, that page.
	const nmail = await waitMail(srv, email, /Nieuw bestand/i);
	const link = (nmail?.body.match(/https?:\/\/\S+\/subjects\/DakMon/) ||
	    [])[0];
	require_('the new-file mail has the link', link, nmail?.body);
	const m = await openBrowser('mail-link', { phone: true });
	await m.page.goto(link);
	require_('the link asks for a login first',
	    await afterNavigation(m, 'mail-link-login') === 'login');
	await submit(m, '/login', { email, password: acct.password }, 'otp',
	    'mail-link-otp');
	const [code, step] = await acct.device.nextCode();
	await submit(m, '/otp', { code }, 'subject', 'mail-link-subject');
	acct.device.accepted(step);
	check('... and then the subject of the mail', new URL(m.page.url())
	    .pathname === '/subjects/DakMon');

	// A session that times out: a form and /otp say so; the login comes
	// back to the page.
	const srv2 = await startServer('--session-idle', '60');
	const y = await openBrowser('timeout');
	const yacct = await firstLogin(y, srv2, srv2.adminEmail,
	    srv2.adminPassword);
	const x = await openBrowser('timeout-otp');
	await visit(x, srv2, '/login', 'login', 'timeout-otp-login');
	await submit(x, '/login', { email: srv2.adminEmail, password:
	    yacct.password }, 'otp', 'timeout-otp');
	await visit(y, srv2, '/admin/subjects', 'admin/subjects',
	    'timeout-form');
	await y.page.locator('#code').fill('Later');
	await y.page.locator('#title').fill('Na de pauze');
	note('waiting 62 s for the sessions to time out');
	await new Promise((res) => setTimeout(res, 62000));
	await submit(y, '/admin/subjects', {}, 'login', 'timeout-form-sent');
	const notice = await y.page.locator('main').innerText();
	check('a form sent after the timeout says "Uw sessie is verlopen"',
	    notice.includes('Uw sessie is verlopen'), notice);
	await y.page.reload();
	check('Reload does not post the form again',
	    await afterNavigation(y, 'timeout-reload') === 'login' &&
	    !y.page.url().startsWith('chrome-error'), y.page.url());
	const [xcode] = await yacct.device.nextCode();
	await submit(x, '/otp', { code: xcode }, 'login', 'timeout-otp-sent');
	check('/otp after the timeout says so instead of starting over',
	    (await x.page.locator('main').innerText())
		.includes('Uw sessie is verlopen'));
	await submit(y, '/login', { email: srv2.adminEmail, password:
	    yacct.password }, 'otp', 'timeout-login-again');
	const [ycode, ystep] = await yacct.device.nextCode();
	await submit(y, '/otp', { code: ycode }, 'admin/subjects',
	    'timeout-back-there');
	yacct.device.accepted(ystep);
	check('after logging in again the form\'s page is back',
	    new URL(y.page.url()).pathname === '/admin/subjects');
	fs.rmSync(tmp, { recursive: true, force: true });
	note(`screenshots in ${SHOTS}`);
});
