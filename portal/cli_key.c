/* cli_key.c: "kluis key rotate|fingerprint": the key that seals the secrets at rest. */
#include <sys/stat.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

static const char key_usage[] =
"usage: kluis key rotate [--data DIR] [--key FILE]\n"
"       kluis key fingerprint [FILE] [--data DIR] [--key FILE]\n"
"\n"
"  rotate        make a new key and re-seal every secret under it in one\n"
"                transaction; the key before is kept as KEY.old (backups\n"
"                made before need it). Stop the server first.\n"
"  fingerprint   the fingerprint of the key file FILE (default: the key\n"
"                file in use) and the one the database records: a key\n"
"                belongs to a database when the two are equal\n";

/* "kluis key rotate". */
static int
key_rotate(int argc, char **argv)
{
	struct buf msg = { 0 };
	int n;

	if ((n = cli_options(argc, argv, "key", key_usage, NULL, NULL, 0,
	    "rotate takes no argument")) != -1)
		return n;
	if (app_start(APP_ALONE, NULL) == -1)
		return 1;
	if ((n = custody_rotate(&msg)) < 0)
		fprintf(stderr, "kluis key: %s\n", msg.data ? msg.data : "");
	else
		printf("re-sealed %d secret%s under a new key in %s; the key "
		    "before is %s.old: keep it with the backups made until now "
		    "(they need it). Keep a copy of the new key apart from the "
		    "backups.\n", n, n == 1 ? "" : "s", cfg.key_file,
		    cfg.key_file);
	buf_free(&msg);
	app_close();
	return n < 0 ? 1 : 0;
}

/* "kluis key fingerprint [FILE]". */
static int
key_fingerprint(int argc, char **argv)
{
	const char *file = NULL;
	struct stat st;
	char fp[65], *db;
	uint8_t *v = NULL;
	size_t n;
	int rc;

	if ((rc = cli_options(argc, argv, "key", key_usage, NULL, NULL, -1,
	    NULL)) != -1)
		return rc;
	if (argc - optind > 1)
		return cli_usage_error("key", "fingerprint takes at most one "
		    "FILE");
	if (optind < argc)
		file = argv[optind];
	if (cfg.key_file == NULL)
		cfg.key_file = xasprintf("%s/kluis.key", cfg.data);
	if (file == NULL)
		file = cfg.key_file;
	if ((rc = crypto_key_file_fingerprint(file, fp)) == 0)
		printf("key file %s: %s\n", file, fp);
	else
		fprintf(stderr, "kluis key: %s: %s\n", file, rc == 1 ?
		    "no such file" : "not a usable key file (see above)");
	db = xasprintf("%s/kluis.db", cfg.data);
	if (stat(db, &st) == 0 && db_attach(db) >= 0) {
		if (store_keyring_exists() == 1 &&
		    store_keyring_get("fingerprint", &v, &n) == 1 && n == 64)
			printf("database %s: %.64s%s\n", db, (const char *)v,
			    rc == 0 ? (memcmp(v, fp, 64) == 0 ? " (the same: "
			    "this is its key)" : " (another key)") : "");
		else
			printf("database %s: no fingerprint recorded yet\n", db);
		free(v);
		db_thread_done();
	}
	free(db);
	return rc == 0 ? 0 : 1;
}

/* cli_key: "kluis key rotate|fingerprint". Returns the exit status. */
int
cli_key(int argc, char **argv)
{
	static const struct cli_command subs[] = {
		{ "rotate", key_rotate },
		{ "fingerprint", key_fingerprint },
		{ NULL, NULL }
	};

	return cli_dispatch(argc, argv, "key", key_usage, subs);
}
