/*
 * fuzz_request.c: libFuzzer target feeding raw bytes as HTTP requests to the
 * real daemon and the real handlers.
 *
 * The daemon has no listening socket and no thread (http_start_fuzz): each
 * input is written into one end of a socketpair whose other end is handed
 * to MHD_add_connection(), and MHD_run() is driven until the connection is
 * closed or idle (all bytes read, nothing left to send). A suspended
 * connection is waited for until it is resumed.
 *
 * The database lives in a temporary directory with a fixed key, seeded with
 * accounts at every stage, a subject with a grant and a published file,
 * recovery codes and a reset token. Before every input what the fixed
 * credentials need is put back (sessions with ALPHA unlocked, passwords,
 * disabled flags, devices and their last steps, the grant, file 1, the
 * reset token, fresh recovery codes) and throttles are forgotten; the rest
 * persists, and every RESET_EVERY inputs (or once the console deleted a
 * seeded account) the directory goes back to its state after the seed, so
 * the state an input finds stays bounded.
 *
 * Placeholders in the input (see request.dict):
 *	$S1..$S9	cookie value of the session at stage ANON, ENROL,
 *			PASSWORD, OTP, IN, IN as admin, RESET, RESET_PW,
 *			PASSWORD_IN
 *	$C1..$C9	the CSRF token of that session
 *	$O		the current code of the seeded authenticators
 *	$R		an unused recovery code of user@fuzz.example
 *	$T		a live reset token of user@fuzz.example
 *	$V		the validation code of user@fuzz.example on ALPHA
 *	$D		a device cookie (kluis_device) of user@fuzz.example
 *	$L		the length of the body that follows the next blank line,
 *			up to the end of the input or the next $E (removed)
 */
#define _GNU_SOURCE	/* memmem, nftw */
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "portal.h"

#define RESET_EVERY	1000	/* inputs between two fresh data directories */
#define BACKGROUND_EVERY 32	/* inputs between two runs of the mail work */
#define SETTLE_SECONDS	20	/* a connection that never settles is a hang */
#define NSESSIONS	9
#define MAX_LENGTHS	32	/* $L filled in per input; more stay as they are */

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const uint8_t otp_secret[TOTP_SECRET_LEN] = "kluis-fuzz-otp-secre";
static const char validation_code[] = "ABCD-EFGH-JKMN";
static const char reset_token[] =
    "f00df00df00df00df00df00df00df00df00df00df00df00df00df00df00df00d";

static struct MHD_Daemon *daemon_h;
static int verbose;	/* KLUIS_FUZZ_VERBOSE: show requests and answers */
static char datadir[256], pristine[300], pristine_files[320];
static unsigned long inputs;

/* The seeded world, filled by seed(). */
static int64_t admin_id, user_id, temp_id, fresh_id, alpha_id;
static char recovery[RECOVERY_CODES][16];
static struct {
	int		 stage;
	int64_t		*user;
	struct session	 s;
} sessions[NSESSIONS] = {
	{ .stage = STAGE_ANON },	/* only in the cookie */
	{ .stage = STAGE_ENROL, .user = &temp_id },
	{ .stage = STAGE_PASSWORD, .user = &temp_id },
	{ .stage = STAGE_OTP, .user = &user_id },
	{ .stage = STAGE_IN, .user = &user_id },
	{ .stage = STAGE_IN, .user = &admin_id },
	{ .stage = STAGE_RESET, .user = &user_id },
	{ .stage = STAGE_RESET_PW, .user = &user_id },
	{ .stage = STAGE_PASSWORD_IN, .user = &fresh_id },
};

static void __attribute__((noreturn))
die(const char *what)
{
	fprintf(stderr, "fuzz_request: %s\n", what);
	abort();
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
rm_datadir(void)
{
	if (datadir[0] != '\0')
		nftw(datadir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The seeded accounts: their password hashes are put back before every input. */
static struct {
	const char	*email;
	const char	*password;
	int		 admin;
	int		 temp;
	int		 disabled;
	int		 device;
	int64_t		 id;
	char		 hash[PASSWORD_HASH_MAX];
} accounts[] = {
	{ .email = "admin@fuzz.example", .password = "Fuzz-admin-wachtwoord-1",
	  .admin = 1, .device = 1 },
	{ .email = "user@fuzz.example", .password = "Fuzz-user-wachtwoord-1",
	  .device = 1 },
	{ .email = "temp@fuzz.example", .password = "Fuzz-temp-wachtwoord-1",
	  .temp = 1 },
	{ .email = "fresh@fuzz.example", .password = "Fuzz-fresh-wachtwoord-1",
	  .temp = 1, .device = 1 },
	{ .email = "off@fuzz.example", .password = "Fuzz-off-wachtwoord-1",
	  .disabled = 1, .device = 1 },
};
#define NACCOUNTS	(int)(sizeof accounts / sizeof accounts[0])

static void
device(int64_t uid)
{
	uint8_t *sealed;
	size_t len;

	if ((sealed = crypto_seal(otp_secret, sizeof otp_secret, &len)) == NULL ||
	    store_device_add(uid, "Telefoon", sealed, len, 0) < 0)
		die("cannot add a device");
	free(sealed);
}

/* A session with a fixed id: the cookie of slot I is the same every run. */
static void
session_fixed(int i)
{
	struct session *s = &sessions[i].s;
	char label[32];
	uint8_t mac[32];
	int n;

	session_clear(s);
	n = snprintf(label, sizeof label, "kluis-fuzz-session-%d", i + 1);
	crypto_sha256(label, (size_t)n, s->id);
	crypto_hex(s->id, sizeof s->id, s->cookie);
	crypto_sha256(s->id, sizeof s->id, s->hash);
	crypto_mac("csrf", s->id, sizeof s->id, mac);	/* as session.c does */
	crypto_hex(mac, sizeof mac, s->csrf);
	s->stage = sessions[i].stage;
	s->user_id = sessions[i].user ? *sessions[i].user : 0;
}

/* What an input may have spent or changed, put back before the next one. */
static int
refresh_tx(void *arg)
{
	uint8_t h[32], mac[32];
	int i;

	(void)arg;
	for (i = 1; i < NSESSIONS; i++) {
		struct session *s = &sessions[i].s;

		s->created = s->last_seen = now_unix();
		store_session_delete(s->hash);
		if (store_session_put(s->hash, s, "127.0.0.1") == -1)
			return -1;
		/* Enrolling or adding a device: the code is $O, as for the others. */
		if (s->user_id > 0 && (s->stage == STAGE_ENROL || i == 4)) {
			uint8_t *sealed;
			size_t len;

			store_user_set_enrol_secret(s->user_id, NULL, 0);
			sealed = crypto_seal(otp_secret, sizeof otp_secret, &len);
			if (sealed != NULL)
				store_user_set_enrol_secret(s->user_id, sealed, len);
			free(sealed);
		}
	}
	for (i = 0; i < NACCOUNTS; i++) {
		store_user_set_password(accounts[i].id, accounts[i].hash,
		    accounts[i].temp);
		store_user_set_disabled(accounts[i].id, accounts[i].disabled);
		if (accounts[i].device && store_device_count(accounts[i].id) == 0)
			device(accounts[i].id);
	}
	store_user_set_lang(user_id, "en");
	if (store_grant_mac(user_id, alpha_id, mac) == -1) {
		validation_mac(user_id, alpha_id, validation_code, mac);
		store_grant_put(user_id, alpha_id, mac);
	}
	/* The logged-in sessions have ALPHA unlocked: $S5 and $S6 download. */
	store_unlock_put(sessions[4].s.hash, alpha_id, now_unix() + 3600);
	store_unlock_put(sessions[5].s.hash, alpha_id, now_unix() + 3600);
	crypto_mac("reset", reset_token, strlen(reset_token), h);
	store_reset_link_put(user_id, h, now_unix() + cfg.reset_ttl, "127.0.0.1");
	/* Test-only SQL: codes may be used again, throttles start afresh. */
	db_run(db_query("UPDATE devices SET last_step = 0 WHERE last_step != 0"));
	db_run(db_query("DELETE FROM throttle"));
	db_run(db_query("UPDATE files SET unpublished = NULL WHERE id = 1 AND "
	    "unpublished IS NOT NULL"));
	return 0;
}

/* 1 while every seeded account is still there (the console deletes some). */
static int
accounts_intact(void)
{
	struct user u;
	int i, ok = 1;

	for (i = 0; i < NACCOUNTS && ok; i++) {
		ok = store_user_find_id(accounts[i].id, &u) == 1;
		store_clear(&u);
	}
	return ok;
}

static void
refresh(void)
{
	if (db_tx(refresh_tx, NULL) != 0)
		die("cannot refresh the sessions");
	if (recovery_new_codes(user_id, recovery) == -1)
		die("cannot make recovery codes");
}

static void
publish_one(const char *code)
{
	struct publication p = { 0 };
	struct subject s = { 0 };
	struct staged st = { .fd = -1 };
	char src[512];
	FILE *f;
	int i;

	snprintf(src, sizeof src, "%s/rapport.pdf", datadir);
	if ((f = fopen(src, "w")) == NULL)
		die("cannot write the file to publish");
	for (i = 0; i < 300; i++)
		fprintf(f, "%%PDF-1.4 regel %d van het rapport\n", i);
	fclose(f);
	if (store_subject_find(code, &s) != 1 || publish_stage(src, &st) == -1)
		die("cannot stage a file");
	p.s = &s;
	p.st = &st;
	p.name = "rapport 2024 (definitief).pdf";
	p.actor = admin_id;
	p.addr = "127.0.0.1";
	if (subjects_publish(&p) != 0)
		die("cannot publish a file");
	publish_release(&st);
	store_clear(&s);
	unlink(src);
}

/* The seeded world: accounts, subjects, grants, files, a reset request. */
static void
seed(void)
{
	uint8_t mac[32];
	int64_t alpha;
	int i;

	for (i = 0; i < NACCOUNTS; i++) {
		if (password_hash(accounts[i].password, accounts[i].hash) == -1 ||
		    (accounts[i].id = store_user_create(accounts[i].email, "Fuzz",
		    accounts[i].admin, accounts[i].hash)) < 0 ||
		    store_user_set_password(accounts[i].id, accounts[i].hash,
		    accounts[i].temp) == -1 ||
		    store_user_set_disabled(accounts[i].id,
		    accounts[i].disabled) == -1)
			die("cannot create an account");
		if (accounts[i].device)
			device(accounts[i].id);
	}
	admin_id = accounts[0].id;
	user_id = accounts[1].id;
	temp_id = accounts[2].id;
	fresh_id = accounts[3].id;
	store_user_set_lang(user_id, "en");
	if ((alpha = store_subject_add("ALPHA", "Alpha <b>&amp;</b>",
	    "Een onderwerp\nmet twee regels")) < 0 ||
	    store_subject_add("BETA", "Beta", "") < 0)
		die("cannot add subjects");
	alpha_id = alpha;
	validation_mac(user_id, alpha, validation_code, mac);
	if (store_grant_put(user_id, alpha, mac) == -1)
		die("cannot grant");
	validation_mac(admin_id, alpha, validation_code, mac);
	store_grant_put(admin_id, alpha, mac);
	publish_one("ALPHA");	/* file 1 */
	publish_one("BETA");	/* file 2: the content outlives file 1 */
	store_reset_request_put(fresh_id, "192.0.2.7");
	store_audit(user_id, admin_id, "fuzz.seed", "127.0.0.1", "seeded");

	for (i = 0; i < NSESSIONS; i++)
		session_fixed(i);
}

/* Copy file FROM to TO. */
static void
copy_file(const char *from, const char *to)
{
	char b[65536];
	ssize_t n;
	int in, out;

	if ((in = open(from, O_RDONLY)) == -1 ||
	    (out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		die("cannot copy a file");
	while ((n = read(in, b, sizeof b)) > 0)
		if (write(out, b, (size_t)n) != n)
			die("cannot copy a file");
	close(in);
	close(out);
}

/* Remove the files in directory DIR (made if missing). */
static void
empty_dir(const char *dir)
{
	char path[1024];
	struct dirent *e;
	DIR *d;

	if (mkdir_p(dir, 0700) == -1 || (d = opendir(dir)) == NULL)
		die("cannot empty a directory");
	while ((e = readdir(d)) != NULL) {
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (e->d_type == DT_REG)
			unlink(path);
	}
	closedir(d);
}

/* Directory TO holds a copy of the files of FROM, and nothing else. */
static void
copy_dir(const char *from, const char *to)
{
	char src[1024], dst[1024];
	struct dirent *e;
	DIR *d;

	empty_dir(to);
	if ((d = opendir(from)) == NULL)
		die("cannot copy a directory");
	while ((e = readdir(d)) != NULL) {
		snprintf(src, sizeof src, "%s/%s", from, e->d_name);
		snprintf(dst, sizeof dst, "%s/%s", to, e->d_name);
		if (e->d_type == DT_REG)
			copy_file(src, dst);
	}
	closedir(d);
}

/*
 * The database and files as the seed left them, kept in DATA/.pristine;
 * every connection is closed first, so kluis.db holds everything.
 */
static void
snapshot(void)
{
	char path[512], to[512];

	db_thread_done();
	snprintf(path, sizeof path, "%s/files", datadir);
	copy_dir(path, pristine_files);
	snprintf(path, sizeof path, "%s/kluis.db", datadir);
	snprintf(to, sizeof to, "%s/kluis.db", pristine);
	copy_file(path, to);
}

/* Back to what snapshot() kept; the daemon is stopped. */
static void
restore(void)
{
	char path[512], from[512];

	db_thread_done();
	snprintf(path, sizeof path, "%s/files", datadir);
	copy_dir(pristine_files, path);
	snprintf(path, sizeof path, "%s/outbox", datadir);
	empty_dir(path);
	snprintf(path, sizeof path, "%s/kluis.db-wal", datadir);
	unlink(path);
	snprintf(path, sizeof path, "%s/kluis.db-shm", datadir);
	unlink(path);
	snprintf(path, sizeof path, "%s/kluis.db", datadir);
	snprintf(from, sizeof from, "%s/kluis.db", pristine);
	copy_file(from, path);
}

/* OUT with its bytes [AT, AT + 2) replaced by WITH. */
static void
splice2(struct buf *out, size_t at, const char *with)
{
	struct buf b = { 0 };

	buf_append(&b, out->data, at);
	buf_puts(&b, with);
	buf_append(&b, out->data + at + 2, out->len - at - 2);
	buf_free(out);
	*out = b;
}

/* The input with its placeholders filled in (see the top of the file). */
static void
expand(struct buf *out, const uint8_t *in, size_t n)
{
	size_t i, k, at[MAX_LENGTHS], nat = 0, mark, end;
	char code[7], num[24], *p;
	int d;

	buf_append(out, "", 0);
	for (i = 0; i < n; i++) {
		if (in[i] != '$' || i + 1 == n) {
			buf_append(out, &in[i], 1);
			continue;
		}
		d = i + 2 < n ? in[i + 2] - '1' : -1;
		switch (in[i + 1]) {
		case 'S':
		case 'C':
			if (d < 0 || d >= NSESSIONS) {
				buf_append(out, &in[i], 1);
				break;
			}
			buf_puts(out, in[i + 1] == 'S' ? sessions[d].s.cookie :
			    sessions[d].s.csrf);
			i += 2;
			break;
		case 'O':
			if (totp_generate(otp_secret, sizeof otp_secret,
			    now_unix(), code) == -1)
				die("cannot make a code");
			buf_puts(out, code);
			i++;
			break;
		case 'R':
			buf_puts(out, recovery[0]);
			i++;
			break;
		case 'T':
			buf_puts(out, reset_token);
			i++;
			break;
		case 'V':
			buf_puts(out, validation_code);
			i++;
			break;
		case 'D':
			p = trust_token("user@fuzz.example");
			buf_puts(out, p);
			free(p);
			i++;
			break;
		case 'L':
			if (nat < MAX_LENGTHS)
				at[nat++] = out->len;
			buf_append(out, &in[i], 2);	/* filled in below */
			i++;
			break;
		default:
			buf_append(out, &in[i], 1);
		}
	}
	/* $L from the last to the first, so outer bodies count inner digits. */
	while (nat-- > 0) {
		k = at[nat];
		p = memmem(out->data + k, out->len - k, "\r\n\r\n", 4);
		mark = p ? (size_t)(p - out->data) + 4 : out->len;
		p = memmem(out->data + mark, out->len - mark, "$E", 2);
		end = p ? (size_t)(p - out->data) : out->len;
		snprintf(num, sizeof num, "%zu", end - mark);
		splice2(out, k, num);
	}
	/* Every $E goes. */
	for (i = 0, k = 0; i < out->len; i++) {
		if (out->data[i] == '$' && i + 1 < out->len &&
		    out->data[i + 1] == 'E') {
			i++;
			continue;
		}
		out->data[k++] = out->data[i];
	}
	out->len = k;
	out->data[k] = '\0';
}

/* Read what the daemon sent: 1 when something came, 0 when nothing, -1 at EOF. */
static int
drain(int fd)
{
	char b[16384];
	ssize_t n;
	int got = 0;

	for (;;) {
		n = read(fd, b, sizeof b);
		if (n > 0) {
			if (verbose)
				fwrite(b, 1, (size_t)n, stderr);
			got = 1;
			continue;
		}
		if (n == 0)
			return -1;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return got;
		return -1;	/* ECONNRESET: the daemon closed it */
	}
}

/* What the daemon waits for on FD: bit 1 reading, bit 2 writing. */
static int
daemon_wants(int fd)
{
	fd_set rs, ws, es;
	MHD_socket max = 0;
	int w = 0;

	FD_ZERO(&rs);
	FD_ZERO(&ws);
	FD_ZERO(&es);
	if (MHD_get_fdset(daemon_h, &rs, &ws, &es, &max) != MHD_YES)
		die("MHD_get_fdset failed");
	if (FD_ISSET(fd, &rs))
		w |= 1;
	if (FD_ISSET(fd, &ws))
		w |= 2;
	return w;
}

static int
daemon_busy(void)
{
	MHD_UNSIGNED_LONG_LONG t;

	return MHD_get_timeout(daemon_h, &t) == MHD_YES && t == 0;
}

static unsigned
connections(void)
{
	const union MHD_DaemonInfo *di;

	di = MHD_get_daemon_info(daemon_h, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
	return di ? di->num_connections : 0;
}

/* Run the daemon on one connection carrying BYTES until it settles. */
static void
drive(const char *bytes, size_t len)
{
	struct sockaddr_in peer = { .sin_family = AF_INET,
	    .sin_port = htons(40000) };
	time_t deadline = time(NULL) + SETTLE_SECONDS;
	size_t off = 0;
	ssize_t n;
	int sv[2], idle = 0, got, avail, wants;

	peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0,
	    sv) == -1)
		die("socketpair failed");
	if (MHD_add_connection(daemon_h, sv[1], (struct sockaddr *)&peer,
	    sizeof peer) != MHD_YES)
		die("MHD_add_connection failed");
	for (;;) {
		if (off < len) {
			n = write(sv[0], bytes + off, len - off);
			if (n > 0)
				off += (size_t)n;
		}
		if (MHD_run(daemon_h) != MHD_YES)
			die("MHD_run failed");
		if ((got = drain(sv[0])) == -1)
			break;	/* the daemon closed the connection */
		if (ioctl(sv[1], FIONREAD, &avail) == -1)
			avail = 0;
		wants = daemon_wants(sv[1]);
		if (wants == 0 && !daemon_busy()) {
			/* Suspended: wait for whoever resumes it. */
			MHD_run_wait(daemon_h, 10);
			idle = 0;
		} else if (off == len && got == 0 && avail == 0 &&
		    wants == 1 && !daemon_busy())
			idle++;		/* waits for bytes that never come */
		else
			idle = 0;
		if (idle == 2)
			break;
		if (time(NULL) > deadline)
			die("the connection never settled");
	}
	/* The client goes away; the daemon notices and cleans up. */
	close(sv[0]);
	while (connections() > 0) {
		MHD_run_wait(daemon_h, 10);
		if (time(NULL) > deadline)
			die("a connection was never cleaned up");
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const uint8_t key[32] = "kluis-fuzz-key-fixed-32-bytes!!";
	const char *tmp = getenv("TMPDIR");
	char path[512];

	(void)argc;
	(void)argv;
	signal(SIGPIPE, SIG_IGN);
	umask(077);
	verbose = getenv("KLUIS_FUZZ_VERBOSE") != NULL;
	/* tmpfs when there is one: fsync costs nothing there. */
	if (tmp == NULL)
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(datadir, sizeof datadir, "%s/kluis-fuzz-XXXXXX", tmp);
	if (mkdtemp(datadir) == NULL)
		die("cannot make a temporary directory");
	atexit(rm_datadir);
	cfg.data = datadir;
	cfg.public_url = "https://kluis.fuzz.example";
	cfg.https = 1;
	cfg.trust_proxy = 1;	/* X-Forwarded-For is read too */
	cfg.api_tokens = 1;	/* Authorization: Bearer is read too */
	snprintf(path, sizeof path, "%s/kluis.key", datadir);
	cfg.key_file = xstrdup(path);
	if (write_file_atomic(path, key, sizeof key, 0600) == -1 ||
	    app_open() == -1)
		die("cannot open the data directory");
	seed();
	snprintf(pristine, sizeof pristine, "%s/.pristine", datadir);
	snprintf(pristine_files, sizeof pristine_files, "%s/files", pristine);
	snapshot();
	if ((daemon_h = http_start_fuzz()) == NULL)
		die("cannot start the daemon");
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf req = { 0 };

	/* Afresh every RESET_EVERY inputs, and once an account was deleted. */
	if (++inputs % RESET_EVERY == 0 || !accounts_intact()) {
		http_stop();	/* the pool thread lets go of the database too */
		restore();
		if ((daemon_h = http_start_fuzz()) == NULL)
			die("cannot start the daemon");
	}
	refresh();
	expand(&req, data, size);
	if (verbose) {
		fprintf(stderr, "\n>>>>>>>> request\n");
		fwrite(req.data, 1, req.len, stderr);
		fprintf(stderr, "\n<<<<<<<< answer\n");
	}
	drive(req.data, req.len);
	buf_free(&req);
	/* Now and then, what the server's background thread does. */
	if (inputs % BACKGROUND_EVERY == 0) {
		reset_run();
		mail_deliver();
	}
	return 0;
}
