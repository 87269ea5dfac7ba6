/* mail.c: addresses, RFC 5322 messages from templates, a durable queue, delivery to outbox/ or SMTP. */
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "portal.h"

#define LEASE		120	/* seconds a claimed message is ours */
#define RETRY_MAX	3600
#define SMTP_PASSWORD_MAX	1024	/* bytes of an SMTP password file */

static char *smtp_password;	/* from cfg.smtp_password_file; NULL: none */

static int
url_has_password(const char *url)
{
	CURLU *u = curl_url();
	char *pw = NULL;
	int has = 0;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PASSWORD, &pw, 0) == CURLUE_OK)
		has = pw != NULL && *pw != '\0';
	curl_free(pw);
	curl_url_cleanup(u);
	return has;
}

/*
 * mail_init: read the SMTP password from cfg.smtp_password_file: the
 * file's bytes without the line end; an empty file (systemd's empty
 * credential) is no password. 0, or -1 with the reason logged.
 */
int
mail_init(void)
{
	char buf[SMTP_PASSWORD_MAX + 2];
	size_t n;
	FILE *f;

	if (cfg.smtp_url != NULL && url_has_password(cfg.smtp_url))
		logmsg(LOG_WARNING, "mail: the SMTP URL holds a password, which "
		    "ps may show: use smtp-password-file instead");
	if (cfg.smtp_password_file == NULL)
		return 0;
	if ((f = fopen(cfg.smtp_password_file, "r")) == NULL) {
		logmsg(LOG_ERR, "mail: cannot read the SMTP password file %s: %s",
		    cfg.smtp_password_file, strerror(errno));
		return -1;
	}
	n = fread(buf, 1, sizeof buf - 1, f);
	if (ferror(f) || n > SMTP_PASSWORD_MAX) {
		logmsg(LOG_ERR, "mail: %s: %s", cfg.smtp_password_file,
		    ferror(f) ? "read error" : "longer than 1024 bytes");
		fclose(f);
		explicit_bzero(buf, sizeof buf);
		return -1;
	}
	fclose(f);
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	if (strlen(buf) != n || strchr(buf, '\n') != NULL) {
		logmsg(LOG_ERR, "mail: %s: the password must be one line",
		    cfg.smtp_password_file);
		explicit_bzero(buf, sizeof buf);
		return -1;
	}
	if (smtp_password != NULL) {
		explicit_bzero(smtp_password, strlen(smtp_password));
		free(smtp_password);
		smtp_password = NULL;
	}
	if (n > 0)
		smtp_password = xstrdup(buf);
	explicit_bzero(buf, sizeof buf);
	return 0;
}

/* header_safe: no CR, LF or other control characters (header injection). */
static int
header_safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/*
 * mail_address: IN as an email address kluis accepts, trimmed and in lower
 * case (caller frees), or NULL when it is none: at most 254 bytes, a local
 * part, an "@" and a domain, no spaces, controls or the characters that
 * would make it more than one address or not a bare one. The one rule for
 * the console, the commands, the login forms and the To of a message.
 */
char *
mail_address(const char *in)
{
	const unsigned char *p;
	char *e, *at;

	if (in == NULL || strlen(in) > MAIL_ADDRESS_MAX)
		return NULL;
	e = xstrdup(in);
	str_trim(e);
	str_lower(e);
	at = strchr(e, '@');
	if (at == NULL || at == e || at[1] == '\0' ||
	    strpbrk(e, " <>,;:\"()[]\\") != NULL)
		goto bad;
	for (p = (const unsigned char *)e; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			goto bad;
	return e;
bad:
	free(e);
	return NULL;
}

/* The host of the public URL, for Message-IDs, into HOST (thread-safe). */
static void
mail_domain(char *host, size_t len)
{
	const char *p = cfg.public_url ? strstr(cfg.public_url, "://") : NULL;
	size_t n;

	snprintf(host, len, "kluis.invalid");
	if (p == NULL)
		return;
	p += 3;
	n = strcspn(p, ":/@");
	if (n > 0 && n < len)
		snprintf(host, len, "%.*s", (int)n, p);
}

/*
 * mail_compose: the whole RFC 5322 message for TO (from mail_address) from
 * TEXT, whose first line is "Subject: ..." and whose body follows a blank
 * line. Returns 0 and fills OUT, or -1 for an unusable template.
 */
static int
mail_compose(struct buf *out, const char *to, const char *text)
{
	const char *nl, *body, *p;
	char date[64], subject[512], id[33], host[256];

	if (!str_has_prefix(text, "Subject: ") ||
	    (nl = strchr(text, '\n')) == NULL)
		return -1;
	if ((size_t)(nl - text - 9) >= sizeof subject)
		return -1;
	snprintf(subject, sizeof subject, "%.*s", (int)(nl - text - 9), text + 9);
	if (!header_safe(subject))
		return -1;
	body = nl + 1;
	while (*body == '\n')
		body++;
	time_format(now_unix(), TIME_MAIL, date, sizeof date);
	{
		uint8_t rnd[16];

		if (crypto_random(rnd, sizeof rnd) == -1)
			return -1;
		crypto_hex(rnd, sizeof rnd, id);
	}
	if (!header_safe(cfg.mail_from))
		return -1;
	mime_mailbox(out, "From", cfg.mail_from);
	mime_mailbox(out, "To", to);
	mime_header(out, "Subject", subject);
	buf_printf(out, "Date: %s\r\n", date);
	mail_domain(host, sizeof host);
	buf_printf(out, "Message-ID: <%s@%s>\r\n", id, host);
	buf_puts(out, "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n"
	    "Auto-Submitted: auto-generated\r\n\r\n");
	for (p = body; *p; p++) {
		if (*p == '\n')
			buf_putc(out, '\r');
		if (*p != '\r')
			buf_putc(out, *p);
	}
	if (out->len < 2 || out->data[out->len - 1] != '\n')
		buf_puts(out, "\r\n");
	return 0;
}

/*
 * mail_queue: render templates/mail/NAME.LANG.txt with V in LANG (a
 * language with a catalogue, else the default) into a message
 * for TO and queue it, sealed (it may hold a secret). Delivery happens later,
 * by the worker (mail_deliver). Returns 0, or -1.
 */
int
mail_queue(const char *to, const char *name, const struct tmpl_vars *v,
    const char *lang)
{
	struct buf text = { 0 }, msg = { 0 };
	char tname[128], *rcpt;
	uint8_t *sealed = NULL;
	size_t len;
	int rc = -1;

	if ((rcpt = mail_address(to)) == NULL) {
		logmsg(LOG_ERR, "mail: not an address, not queued: %s", name);
		return -1;
	}
	/* templates/mail/NAME.LANG.txt, falling back to the default language. */
	lang = tmpl_lang(lang);
	snprintf(tname, sizeof tname, "mail/%s.%s.txt", name, lang);
	if (tmpl_render_text(&text, tname, v, lang) == -1) {
		buf_wipe(&text);
		snprintf(tname, sizeof tname, "mail/%s." LANG_DEFAULT ".txt",
		    name);
		if (tmpl_render_text(&text, tname, v, lang) == -1) {
			logmsg(LOG_ERR, "mail: no template %s", tname);
			goto done;
		}
	}
	if (mail_compose(&msg, rcpt, text.data ? text.data : "") == -1) {
		logmsg(LOG_ERR, "mail: cannot compose %s", tname);
		goto done;
	}
	if ((sealed = crypto_seal(msg.data, msg.len, &len)) == NULL)
		goto done;
	rc = store_mail_add(rcpt, sealed, len);
done:
	free(rcpt);
	buf_wipe(&text);
	buf_wipe(&msg);
	free(sealed);
	if (rc == 0)
		wake_up();
	return rc;
}

static int
spool(int64_t id, const char *msg, size_t len)
{
	char path[4096];

	if ((size_t)snprintf(path, sizeof path, "%s/outbox/%010lld.eml",
	    cfg.data, (long long)id) >= sizeof path)
		return -1;
	return write_file_atomic(path, msg, len, 0600);
}

struct upload {
	const char	*p;
	size_t		 left;
};

static size_t
smtp_read(char *dst, size_t size, size_t nmemb, void *arg)
{
	struct upload *u = arg;
	size_t n = size * nmemb;

	if (n > u->left)
		n = u->left;
	memcpy(dst, u->p, n);
	u->p += n;
	u->left -= n;
	return n;
}

/* 1 when the address of AI is on this machine (loopback). */
static int
addr_loopback(const struct addrinfo *ai)
{
	const struct sockaddr_in6 *in6;

	if (ai->ai_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ai->ai_addr)->
		    sin_addr.s_addr) >> 24) == 127;
	if (ai->ai_family == AF_INET6) {
		in6 = (const struct sockaddr_in6 *)ai->ai_addr;
		return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
		    (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) &&
		    in6->sin6_addr.s6_addr[12] == 127);
	}
	return 0;
}

/*
 * mail_smtp_local: 1 when the SMTP URL's host (parsed by libcurl's URL
 * API, not by its text) resolves only to this machine's loopback
 * addresses. Only there may mail (temporary passwords, reset links)
 * travel without TLS. When RESOLVE is not NULL it gets a CURLOPT_RESOLVE
 * entry "HOST:PORT:ADDR,..." (caller frees) so that the connection goes
 * to exactly the addresses judged here.
 */
int
mail_smtp_local(const char *url, char **resolve)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL, name[INET6_ADDRSTRLEN];
	struct addrinfo hints, *res = NULL, *ai;
	struct buf b = { 0 };
	size_t hl;
	int local = 0;

	if (resolve != NULL)
		*resolve = NULL;
	if (u == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK)
		goto out;
	/* An IPv6 literal comes in brackets. */
	hl = strlen(host);
	if (hl > 2 && host[0] == '[' && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &res) != 0 || res == NULL)
		goto out;
	local = 1;
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (!addr_loopback(ai))
			local = 0;
		if (getnameinfo(ai->ai_addr, ai->ai_addrlen, name, sizeof name,
		    NULL, 0, NI_NUMERICHOST) != 0)
			continue;
		buf_printf(&b, "%s%s%s%s", b.len ? "," : "", strchr(name, ':') ?
		    "[" : "", name, strchr(name, ':') ? "]" : "");
	}
	if (resolve != NULL && b.len > 0)
		*resolve = xasprintf("%s:%s:%s", host, port, b.data);
out:
	buf_free(&b);
	if (res != NULL)
		freeaddrinfo(res);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return local;
}

/* What "kluis mail test" prints of the SMTP dialogue: no credentials. */
struct transcript {
	FILE	*out;
	int	 auth;		/* in an AUTH exchange: hide what we send */
};

static void
transcript_lines(struct transcript *t, const char *mark, const char *p,
    size_t n, int ours)
{
	const char *end = p + n, *nl;
	int len;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = (int)((nl ? nl : end) - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (ours && (t->auth || (len >= 5 &&
		    strncasecmp(p, "AUTH ", 5) == 0))) {
			if (!t->auth)
				fprintf(t->out, "%s AUTH %.*s (credentials "
				    "hidden)\n", mark, (int)strcspn(p + 5,
				    " \r\n"), p + 5);
			else
				fprintf(t->out, "%s (credentials hidden)\n",
				    mark);
			t->auth = 1;
		} else if (len > 0)
			fprintf(t->out, "%s %.*s\n", mark, len, p);
		if (!ours && len >= 3 && strncmp(p, "334", 3) != 0)
			t->auth = 0;
		p = nl ? nl + 1 : end;
	}
}

/* libcurl's debug callback: the commands sent and the server's answers. */
static int
smtp_debug(CURL *c, curl_infotype type, char *data, size_t size, void *arg)
{
	(void)c;
	if (type == CURLINFO_HEADER_IN)
		transcript_lines(arg, "<", data, size, 0);
	else if (type == CURLINFO_HEADER_OUT)
		transcript_lines(arg, ">", data, size, 1);
	return 0;
}

static int
smtp_send(const char *rcpt, const char *msg, size_t len, char *err,
    size_t errlen, struct transcript *t)
{
	CURL *c;
	struct curl_slist *to = NULL;
	struct upload u = { msg, len };
	char from[320];
	const char *lt, *gt;
	CURLcode rc;
	struct curl_slist *pin = NULL;
	char *resolve = NULL;
	int local;

	/* The envelope sender is the address inside cfg.mail_from. */
	lt = strchr(cfg.mail_from, '<');
	gt = lt ? strchr(lt, '>') : NULL;
	if (lt && gt)
		snprintf(from, sizeof from, "%.*s", (int)(gt - lt + 1), lt);
	else
		snprintf(from, sizeof from, "<%s>", cfg.mail_from);
	if ((c = curl_easy_init()) == NULL)
		return -1;
	to = curl_slist_append(to, rcpt);
	/*
	 * TLS is required (STARTTLS that cannot be stripped) unless the
	 * server is on this machine, judged from the addresses the connection
	 * will go to, or the operator said smtp-without-tls.
	 */
	local = mail_smtp_local(cfg.smtp_url, &resolve);
	if (resolve != NULL)
		pin = curl_slist_append(pin, resolve);
	curl_easy_setopt(c, CURLOPT_URL, cfg.smtp_url);
	if (pin != NULL)
		curl_easy_setopt(c, CURLOPT_RESOLVE, pin);
	/*
	 * The password never in the URL: ps and the logs could show it. No
	 * password (an empty file): no AUTH.
	 */
	if (smtp_password != NULL) {
		if (cfg.smtp_user != NULL)
			curl_easy_setopt(c, CURLOPT_USERNAME, cfg.smtp_user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, smtp_password);
	}
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, to);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, smtp_read);
	curl_easy_setopt(c, CURLOPT_READDATA, &u);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_USE_SSL, local || cfg.smtp_without_tls ?
	    (long)CURLUSESSL_TRY : (long)CURLUSESSL_ALL);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	if (t != NULL) {
		curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, smtp_debug);
		curl_easy_setopt(c, CURLOPT_DEBUGDATA, t);
		curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
	}
	err[0] = '\0';
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK && err[0] == '\0')
		snprintf(err, errlen, "%s", curl_easy_strerror(rc));
	curl_slist_free_all(to);
	curl_slist_free_all(pin);
	free(resolve);
	curl_easy_cleanup(c);
	return rc == CURLE_OK ? 0 : -1;
}

/*
 * mail_deliver: deliver every message that is due, to SMTP when configured,
 * else into DATA/outbox/. Failures are retried later with growing delays.
 * Returns the number delivered.
 */
int
mail_deliver(void)
{
	struct queued_mail m;
	char err[CURL_ERROR_SIZE + 1];
	uint8_t *msg;
	size_t len;
	int64_t delay;
	int sent = 0, rc;

	while (store_mail_claim(&m, LEASE) == 1) {
		rc = -1;
		err[0] = '\0';
		if ((msg = crypto_open(m.sealed, m.sealed_len, &len)) == NULL)
			snprintf(err, sizeof err, "cannot open sealed message");
		else if (cfg.smtp_url != NULL)
			rc = smtp_send(m.rcpt, (const char *)msg, len, err,
			    sizeof err, NULL);
		else if ((rc = spool(m.id, (const char *)msg, len)) == -1)
			snprintf(err, sizeof err, "outbox: %s", strerror(errno));
		if (msg != NULL) {
			explicit_bzero(msg, len);
			free(msg);
		}
		if (rc == 0) {
			store_mail_sent(m.id);
			sent++;
		} else {
			delay = (int64_t)60 << (m.attempts > 6 ? 6 : m.attempts);
			if (delay > RETRY_MAX)
				delay = RETRY_MAX;
			logmsg(LOG_WARNING,
			    "mail: message %lld not delivered (attempt %d): %s",
			    (long long)m.id, m.attempts + 1, err);
			store_mail_failed(m.id, now_unix() + delay, err);
		}
		store_clear(&m);
	}
	return sent;
}

/*
 * mail_test: send TO a test message now, the configured way: by SMTP,
 * printing the dialogue to OUT (the AUTH exchange hidden), or into
 * DATA/outbox/. Needs the templates, not the database. 0 when the message
 * was taken, else -1; either way OUT says what happened.
 */
int
mail_test(const char *to, FILE *out)
{
	struct transcript t = { out, 0 };
	struct tmpl_vars *v = tv_new();
	struct buf text = { 0 }, msg = { 0 };
	char err[CURL_ERROR_SIZE + 1], path[4096], stamp[32];
	uint8_t rnd[4];
	int rc = -1;

	if (cfg.public_url != NULL)
		tv_set(v, "site", cfg.public_url);
	if (tmpl_render_text(&text, "mail/mail_test." LANG_DEFAULT ".txt", v,
	    LANG_DEFAULT) == -1 || mail_compose(&msg, to, text.data ?
	    text.data : "") == -1) {
		fprintf(out, "cannot compose the test message (templates/mail/"
		    "mail_test." LANG_DEFAULT ".txt)\n");
		goto done;
	}
	fprintf(out, "From: %s\nTo: %s\n", cfg.mail_from, to);
	if (cfg.smtp_url != NULL) {
		fprintf(out, "SMTP: %s%s%s\n", cfg.smtp_url, cfg.smtp_user ?
		    ", user " : "", cfg.smtp_user ? cfg.smtp_user : "");
		err[0] = '\0';
		if ((rc = smtp_send(to, msg.data, msg.len, err, sizeof err,
		    &t)) == 0)
			fprintf(out, "sent: the SMTP server took the message\n");
		else
			fprintf(out, "not sent: %s\n", err);
		goto done;
	}
	time_format(now_unix(), TIME_ISO, stamp, sizeof stamp);
	if (crypto_random(rnd, sizeof rnd) == -1)
		goto done;
	snprintf(path, sizeof path, "%s/outbox", cfg.data);
	if (mkdir_p(path, 0700) == -1 || (size_t)snprintf(path, sizeof path,
	    "%s/outbox/test-%s-%02x%02x%02x%02x.eml", cfg.data, stamp, rnd[0],
	    rnd[1], rnd[2], rnd[3]) >= sizeof path ||
	    write_file_atomic(path, msg.data, msg.len, 0600) == -1) {
		fprintf(out, "not written: %s/outbox: %s\n", cfg.data,
		    strerror(errno));
		goto done;
	}
	fprintf(out, "no smtp-url: written to %s\n", path);
	rc = 0;
done:
	tv_free(v);
	buf_wipe(&text);
	buf_wipe(&msg);
	return rc;
}
