// The admin logs in for the first time (printed credentials), enrols from a
// screenshot of the QR, changes the password, enters a fresh code, and
// creates a user in the console; the user opens the emailed temporary
// password, logs in on a phone-sized browser, enrols the same way and
// reaches home. Every page: screenshot, axe-core, no CSP errors; at phone
// width also no horizontal overflow. Finally the console at phone width.
import {
	needTools, run, check, require_, startServer, openBrowser, visit,
	firstLogin, adminCreateUser, waitMail, afterNavigation, SHOTS, note,
} from './lib.mjs';

needTools();

await run('Admin first login, console user creation, user first login',
    async () => {
	const srv = await startServer();

	// The admin, at a desktop.
	const admin = await openBrowser('admin');
	await firstLogin(admin, srv, srv.adminEmail, srv.adminPassword);
	check('the admin sees the console link',
	    await admin.page.locator('header a[href="/admin"]').count() === 1);

	const email = 'onderzoeker@example.org';
	const id = await adminCreateUser(admin, srv, email, 'Onderzoeker Een');
	require_('the new user has an id', id > 0);
	const html = await admin.page.content();
	await visit(admin, srv, '/admin/audit', 'admin/audit', 'admin-audit');
	await visit(admin, srv, '/admin/users?q=onderzoeker', 'admin/users',
	    'admin-users-search');
	check('the search finds the new user',
	    (await admin.page.locator('table').innerText()).includes(email));

	// The user reads the mail and logs in on a phone.
	const mail = await waitMail(srv, email);
	require_('the temporary password mail is in the outbox', mail?.secret,
	    mail ? mail.body : 'no mail');
	check('the console never showed the temporary password',
	    !html.includes(mail.secret));
	const user = await openBrowser('user', { phone: true });
	await firstLogin(user, srv, email, mail.secret);
	check('the user is greeted by name',
	    (await user.page.locator('main').innerText())
		.includes('Onderzoeker Een'));
	check('the user sees no console link',
	    await user.page.locator('header a[href="/admin"]').count() === 0);
	const resp = await user.page.goto(`${srv.url}/admin`);
	check('the console is 404 for the user', resp.status() === 404);

	// The user switches to English; the page follows.
	await user.page.goto(`${srv.url}/`);
	await Promise.all([user.page.waitForNavigation(),
	    user.page.locator('header a[lang="en"]').click()]);
	await afterNavigation(user, 'home-english');
	check('home in English after the switch', (await user.page
	    .locator('h1').innerText()).includes('Your subjects'));

	// The console at phone width.
	const adminPhone = admin;
	await adminPhone.page.setViewportSize({ width: 375, height: 812 });
	adminPhone.phone = true;
	for (const [p, name, label] of [
	    ['/admin', 'admin/users', 'admin-users'],
	    ['/admin/users/new', 'admin/user_new', 'admin-user-new'],
	    [`/admin/users/${id}`, 'admin/user', 'admin-user'],
	    ['/admin/audit', 'admin/audit', 'admin-audit']])
		await visit(adminPhone, srv, p, name, label);
	note(`screenshots in ${SHOTS}`);
});
