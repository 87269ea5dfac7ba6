/*
 * person.c: what kluis keeps about a person: all of it as JSON ("kluis
 * user export"), and its deletion ("kluis user delete", the console): the
 * account and everything hanging off it goes; the logs keep a pseudonym.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "portal.h"

/*
 * person_export: everything kept about account U as one JSON object into
 * OUT: the account, devices by name and date, recovery codes counted,
 * sessions, grants, files addressed to them, downloads, reset requests,
 * mail (when, not what), the audit events about them and their access
 * tokens (name, subjects, dates). No secret, no hash. 0, or -1.
 */
int
person_export(const struct user *u, struct buf *out)
{
	static const char *const names[PERSON_PARTS] = {
		[PERSON_ACCOUNT] = "account",
		[PERSON_DEVICES] = "devices",
		[PERSON_RECOVERY] = "recovery_codes",
		[PERSON_SESSIONS] = "sessions",
		[PERSON_GRANTS] = "grants",
		[PERSON_FILES] = "files_addressed",
		[PERSON_DOWNLOADS] = "downloads",
		[PERSON_RESETS] = "resets",
		[PERSON_MAIL] = "mail",
		[PERSON_AUDIT] = "audit",
		[PERSON_TOKENS] = "access_tokens",
	};
	char when[32], *part;
	int i;

	time_format(now_unix(), TIME_ISO, when, sizeof when);
	buf_printf(out, "{\n  \"exported\": \"%s\",\n  \"portal\": \"kluis %s\"",
	    when, KLUIS_VERSION);
	for (i = 0; i < PERSON_PARTS; i++) {
		if ((part = store_person_json(i, u->id, u->email)) == NULL)
			return -1;
		buf_printf(out, ",\n  \"%s\": %s", names[i], part);
		free(part);
	}
	buf_puts(out, "\n}\n");
	return 0;
}

/*
 * person_pseudonym: what the logs say instead of the email of a deleted
 * account: "deleted-user-" and 12 hex digits of a keyed hash of the email
 * (the same person is the same pseudonym; nobody without the key can tell
 * whose it is). OUT holds 26 bytes.
 */
void
person_pseudonym(const char *email, char out[26])
{
	uint8_t mac[32];
	char hex[65], *lower = xstrdup(email);

	str_lower(lower);
	crypto_mac("pseudonym", lower, strlen(lower), mac);
	crypto_hex(mac, sizeof mac, hex);
	snprintf(out, 26, "deleted-user-%.12s", hex);
	free(lower);
}

struct deletion {
	const struct user *u;
	int64_t		 actor;
	const char	*addr;
	char		 alias[26];
};

static int
delete_tx(void *arg)
{
	struct deletion *d = arg;
	struct sealed *list;
	uint8_t *email;
	size_t n;
	int cnt, i, rc = 0;

	/* The audit row goes in first: it is pseudonymised with the rest. */
	if (store_audit_add(d->u->id, d->actor, "user.delete", d->addr, "") ==
	    -1)
		return -1;
	/* "Forgot" requests name their email sealed: open them to find it. */
	if ((cnt = store_keyring_sealed(SEALED_FORGOT, &list)) < 0)
		return -1;
	for (i = 0; i < cnt && rc == 0; i++) {
		if ((email = crypto_open(list[i].blob, list[i].len, &n)) == NULL)
			continue;
		if (strcasecmp((const char *)email, d->u->email) == 0)
			rc = store_person_forgot_delete(list[i].rowid);
		explicit_bzero(email, n);
		free(email);
	}
	store_free(list, cnt);
	if (rc == -1)
		return -1;
	return store_person_delete(d->u->id, d->u->email, d->alias);
}

static int
addr_char(int c)
{
	return isalnum(c) || (c != '\0' && strchr("._%+-", c) != NULL);
}

/* 1 when the message file PATH is addressed To: EMAIL. */
static int
addressed_to(const char *path, const char *email)
{
	char line[1024];
	size_t len = strlen(email);
	const char *p;
	FILE *f;
	int hit = 0;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (!hit && fgets(line, sizeof line, f) != NULL) {
		if (line[0] == '\r' || line[0] == '\n')
			break;	/* the end of the headers */
		if (strncasecmp(line, "To:", 3) != 0)
			continue;
		for (p = line + 3; *p && !hit; p++)
			hit = strncasecmp(p, email, len) == 0 &&
			    !addr_char((unsigned char)p[-1]) &&
			    !addr_char((unsigned char)p[len]);
	}
	fclose(f);
	return hit;
}

/* Delivered messages to EMAIL in DATA/outbox/; how many were removed. */
static int
outbox_delete(const char *email)
{
	char dir[4096], path[4096 + 256];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(dir, sizeof dir, "%s/outbox", cfg.data);
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (addressed_to(path, email) && unlink(path) == 0)
			n++;
	}
	closedir(d);
	return n;
}

/*
 * person_delete: account U and its personal data go in one transaction:
 * devices, sessions, grants, recovery codes, reset links and requests,
 * mail to them (queued, and delivered files in DATA/outbox/); the audit
 * and download rows keep the pseudonym (into ALIAS, 26 bytes, may be NULL)
 * instead of the account. Audited as "user.delete" by ACTOR (0: the CLI)
 * from ADDR. Then the WAL is emptied into the database file, where
 * secure_delete has overwritten what was deleted. 0, or -1 (nothing
 * deleted).
 */
int
person_delete(const struct user *u, int64_t actor, const char *addr,
    char *alias)
{
	struct deletion d = { u, actor, addr, "" };
	int files;

	person_pseudonym(u->email, d.alias);
	if (db_tx(delete_tx, &d) != 0)
		return -1;
	files = outbox_delete(u->email);
	if (db_checkpoint() == -1)
		logmsg(LOG_WARNING,
		    "person: account %lld deleted; the WAL still holds its "
		    "old pages until the next checkpoint", (long long)u->id);
	logmsg(LOG_INFO,
	    "person: deleted account %lld, now %s in the logs (%d outbox "
	    "files)", (long long)u->id, d.alias, files);
	if (alias != NULL)
		snprintf(alias, 26, "%s", d.alias);
	return 0;
}
