/* cli_backup.c: "kluis backup", "kluis restore", "kluis check": copies of a data directory and the checks that it is whole. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

static const char backup_usage[] =
"usage: kluis backup DIR [--with-key] [--data DIR]\n"
"\n"
"A consistent copy of the data directory while the server runs: DIR/kluis.db\n"
"(SQLite's online backup), DIR/files/ with the content of every live file,\n"
"and DIR/MANIFEST with the SHA-256 of each (sha256sum -c MANIFEST checks it).\n"
"DIR must be new or empty. The key is left out: keep it elsewhere.\n"
"\n"
"  --with-key    copy the key too (DIR/kluis.key); then DIR must be kept as\n"
"                safe as the key itself\n"
"  --data DIR    the data directory to back up (default ./var)\n";

static const char restore_usage[] =
"usage: kluis restore DIR --data NEW [--key FILE]\n"
"\n"
"A new data directory NEW (new or empty) from the backup DIR: every file is\n"
"checked against the backup's manifest, the database's integrity checked.\n"
"\n"
"  --data NEW    the data directory to create\n"
"  --key FILE    the key of the backup (kept apart from it); refused when it\n"
"                is not the database's key. Without it the backup's own key\n"
"                (--with-key) is used, or none: then copy the key to\n"
"                NEW/kluis.key before starting kluis\n";

static const char check_usage[] =
"usage: kluis check [--data DIR]\n"
"\n"
"Checks the data directory: the database's integrity (PRAGMA\n"
"integrity_check), every live file present under DIR/files/ with its SHA-256,\n"
"and that the key file is the database's key. One line per problem; the exit\n"
"status is 1 when there is any.\n";

static void
print_problem(const char *line, void *arg)
{
	const char *cmd = arg;

	fprintf(stderr, "kluis %s: %s\n", cmd, line);
}

/* cli_backup: "kluis backup DIR [--with-key]". Returns the exit status. */
int
cli_backup(int argc, char **argv)
{
	int with_key = 0, rc, n;

	if ((rc = cli_options(argc, argv, "backup", backup_usage, "with-key",
	    &with_key, 1, "needs exactly one DIR")) != -1)
		return rc;
	if (app_open() == -1)
		return 1;
	n = backup_make(argv[optind], with_key, print_problem, "backup");
	if (n >= 0)
		printf("backed up %s to %s: the database and %d file%s; %s\n",
		    cfg.data, argv[optind], n, n == 1 ? "" : "s", with_key ?
		    "the key is included: keep this backup as safe as the key" :
		    "the key is not included: keep it apart, restore with --key "
		    "FILE");
	else
		fprintf(stderr, "kluis backup: the backup in %s is not complete "
		    "(see above)\n", argv[optind]);
	app_close();
	return n >= 0 ? 0 : 1;
}

/* cli_backup_restore: "kluis restore DIR --data NEW [--key FILE]". */
int
cli_backup_restore(int argc, char **argv)
{
	const char *dflt = cfg.data;
	int rc, n, key = 0;

	if ((rc = cli_options(argc, argv, "restore", restore_usage, NULL,
	    NULL, -1, NULL)) != -1)
		return rc;
	if (optind != argc - 1 || cfg.data == dflt)
		return cli_usage_error("restore", "needs exactly one DIR (the "
		    "backup) and --data NEW");
	n = backup_restore(argv[optind], cfg.data, cfg.key_file, &key,
	    print_problem, "restore");
	if (n < 0) {
		fprintf(stderr, "kluis restore: nothing usable was restored to "
		    "%s (see above); remove it before trying again\n", cfg.data);
		return 1;
	}
	printf("restored %s to %s: the database and %d file%s\n", argv[optind],
	    cfg.data, n, n == 1 ? "" : "s");
	if (key)
		printf("the key is in %s/kluis.key\n", cfg.data);
	else
		printf("no key was restored: copy the key that belongs to this "
		    "backup to %s/kluis.key (mode 600), or start kluis with "
		    "--key FILE\n", cfg.data);
	printf("check it with: kluis check --data %s%s\n", cfg.data, key ? "" :
	    " --key FILE");
	return 0;
}

static void
count_db(const char *line, void *arg)
{
	(void)arg;
	fprintf(stderr, "kluis check: database: %s\n", line);
}

/* cli_backup_check: "kluis check". Returns 0 when all is well, else 1. */
int
cli_backup_check(int argc, char **argv)
{
	struct buf keymsg = { 0 };
	int rc, ndb, nfiles, nbad, problems = 0;

	if ((rc = cli_options(argc, argv, "check", check_usage, NULL, NULL, 0,
	    NULL)) != -1)
		return rc;
	if (app_start(APP_CHECK, &keymsg) == -1)
		return 1;
	if ((ndb = db_check(count_db, NULL)) == 0)
		printf("ok: the database passes its integrity check\n");
	problems += ndb;
	if (keymsg.len > 0) {
		char *p, *line = keymsg.data;

		/* One line per problem: the explanation's lines joined. */
		for (p = line; (p = strchr(p, '\n')) != NULL; )
			*p = ' ';
		fprintf(stderr, "kluis check: key: %s\n", line);
		problems++;
	} else
		printf("ok: the key file %s is the database's key\n",
		    cfg.key_file);
	buf_free(&keymsg);
	if ((nbad = backup_check_files(&nfiles, print_problem, "check")) == 0)
		printf("ok: %d live file%s present with %s SHA-256\n", nfiles,
		    nfiles == 1 ? "" : "s", nfiles == 1 ? "its" : "their");
	problems += nbad < 0 ? 1 : nbad;
	if (problems > 0)
		fprintf(stderr, "kluis check: %d problem%s\n", problems,
		    problems == 1 ? "" : "s");
	app_close();
	return problems > 0 ? 1 : 0;
}
