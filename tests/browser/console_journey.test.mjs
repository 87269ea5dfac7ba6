// The console's whole delivery round in a real browser: the admin logs in,
// creates a user and a subject, grants it and uploads a file; the user
// opens the temporary-password mail, enrols from a screenshot of the QR,
// unlocks the subject with the mailed validation code and downloads the
// file (SHA-256 compared); adds a second phone and logs in with it; the
// admin resets the user's authenticators and the user enrols again. Every
// page: screenshot, axe-core, no CSP errors; the user at phone width.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
	needTools, run, check, require_, startServer, openBrowser, visit,
	firstLogin, adminCreateUser, waitMail, adminCreateSubject, adminGrant,
	adminUpload, unlockAndDownload, addSecondPhone, loginWithDevice,
	adminResetAuthenticators, SHOTS, note,
} from './lib.mjs';

needTools();

await run('Console: subject, grant, upload; user downloads, second phone, reset',
    async () => {
	const srv = await startServer();
	const admin = await openBrowser('admin');
	await firstLogin(admin, srv, srv.adminEmail, srv.adminPassword);

	const email = 'coordinator@example.org';
	const id = await adminCreateUser(admin, srv, email, 'Coördinator Twee');
	await adminCreateSubject(admin, srv, 'DakMon', 'Dakloosheid monitor',
	    'Rapportages per levering.');
	await adminGrant(admin, srv, 'DakMon', email);
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kluis-upload-'));
	const file = path.join(dir, 'op-orde-2025.csv');
	const content = Buffer.concat([Buffer.from('gemeente;aantal\n'),
	    Buffer.from(Array.from({ length: 40000 }, (_, i) =>
		`G${i};${i * 7 % 1000}\n`).join(''))]);
	fs.writeFileSync(file, content);
	const sha = createHash('sha256').update(content).digest('hex');
	await adminUpload(admin, srv, 'DakMon', file, '2099-12-31');
	const html = await admin.page.content();
	check('the subject page shows the uploaded SHA-256', html.includes(sha));
	const fileId = Number((html.match(/href="\/admin\/files\/(\d+)"/) ||
	    [])[1]);
	require_('the subject page links the file', fileId > 0);
	fs.rmSync(dir, { recursive: true, force: true });

	// The user, on a phone.
	const mail = await waitMail(srv, email);
	require_('the temporary password mail', mail?.secret);
	const user = await openBrowser('user', { phone: true });
	const acct = await firstLogin(user, srv, email, mail.secret);
	const vmail = await waitMail(srv, email, /validatiecode voor DakMon/i);
	require_('the validation code mail', vmail?.secret);
	const got = await unlockAndDownload(user, srv, 'DakMon', vmail.secret,
	    fileId);
	check('the downloaded file has the uploaded SHA-256', got === sha,
	    `${got} vs ${sha}`);

	// The download log in the console.
	await visit(admin, srv, `/admin/files/${fileId}`, 'admin/file',
	    'admin-file-log');
	check('the download log lists the user', (await admin.page
	    .locator('table').innerText()).includes(email));

	// A second phone, and a login with it.
	const second = await addSecondPhone(user, srv, 'Nog een telefoon',
	    acct.password);
	await loginWithDevice(user, srv, email, acct.password, second);

	// The admin resets the authenticators; the user enrols again.
	const before = new Set(fs.readdirSync(srv.outbox));
	await adminResetAuthenticators(admin, srv, id);
	const rmail = await waitMail(srv, email, /authenticator/i,
	    { exclude: before });
	require_('the reset mail with a new temporary password', rmail?.secret);
	await user.page.goto(`${srv.url}/`);
	check('the user was logged out by the reset',
	    new URL(user.page.url()).pathname === '/login');
	await firstLogin(user, srv, email, rmail.secret,
	    { deviceName: 'Nieuwe telefoon' });
	check('the user is home again after enrolling anew',
	    new URL(user.page.url()).pathname === '/');

	// The new console pages at phone width.
	await admin.page.setViewportSize({ width: 375, height: 812 });
	admin.phone = true;
	for (const [p, name, label] of [
	    ['/admin/subjects', 'admin/subjects', 'admin-subjects'],
	    ['/admin/subjects/DakMon', 'admin/subject', 'admin-subject'],
	    [`/admin/files/${fileId}`, 'admin/file', 'admin-file'],
	    [`/admin/users/${id}`, 'admin/user', 'admin-user']])
		await visit(admin, srv, p, name, label);
	note(`screenshots in ${SHOTS}`);
});
