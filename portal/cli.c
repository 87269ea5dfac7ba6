/* cli.c: what the commands share: their options, usage errors, the account an argument names. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

#define CLI_SETTING	0x10000		/* + the index in config_options */
#define CLI_HELP	0x20000
#define CLI_CONFIG	0x20001
#define CLI_MAX_OPTS	80

/*
 * The getopt_long options of OWN (see cli_getopt) and the settings (the
 * COMMON ones, or all when ALL) into OPTS, their names into NAMES.
 */
static void
options(const char *own, int all, struct option *opts, char *names,
    size_t room)
{
	const struct config_option *o;
	const char *p = own ? own : "";
	size_t len, used = 0;
	int n = 0, k = 0;

	while (*p != '\0' && n < CLI_MAX_OPTS - 3) {
		if ((len = strcspn(p, " ")) > 0 && used + len < room) {
			memcpy(names + used, p, len);
			names[used + len] = '\0';
			opts[n].has_arg = names[used + len - 1] == '=';
			if (opts[n].has_arg)
				names[used + len - 1] = '\0';
			opts[n].name = names + used;
			opts[n].flag = NULL;
			o = config_find(names + used);
			opts[n].val = o ? CLI_SETTING +
			    (int)(o - config_options) : ++k;
			used += len + 1;
			n++;
		}
		p += len + (p[len] == ' ');
	}
	for (o = config_options; o->name != NULL && n < CLI_MAX_OPTS - 3; o++)
		if (all || o->every)
			opts[n++] = (struct option){ o->name, o->kind ==
			    CONFIG_FLAG ? no_argument : required_argument, NULL,
			    CLI_SETTING + (int)(o - config_options) };
	opts[n++] = (struct option){ "help", no_argument, NULL, CLI_HELP };
	opts[n++] = (struct option){ "config", required_argument, NULL,
	    CLI_CONFIG };
	opts[n] = (struct option){ NULL, 0, NULL, 0 };
}

/*
 * cli_getopt: the next option of command CMD in ARGV (set optind to 1
 * before the first call). OWN names the command's own options, separated
 * by spaces, "name=" for one that takes a value (optarg): the return value
 * is its place in OWN, from 1. An own option that is a setting (of
 * config_options), the common settings and, with ALL, every setting are
 * applied on the way; --help prints USAGE (and, with ALL, the settings).
 * After the last option the configuration file (--config FILE) and the
 * environment fill in what the command line left (config_load).
 * Returns -1 after the last option, or CLI_EXIT with *STATUS the exit
 * status (0 after --help, 2 after a usage error or a bad configuration).
 */
int
cli_getopt(int argc, char **argv, const char *cmd, const char *usage,
    const char *own, int all, int *status)
{
	static struct option opts[CLI_MAX_OPTS];
	static char names[1024];
	static const char *config;	/* --config FILE, across the calls */
	const struct config_option *o;
	char err[512];
	int c;

	options(own, all, opts, names, sizeof names);
	for (;;) {
		switch (c = getopt_long(argc, argv, "", opts, NULL)) {
		case CLI_HELP:
			fputs(usage, stdout);
			if (all)
				config_usage(stdout, 1);
			*status = 0;
			return CLI_EXIT;
		case '?':
		case ':':
			*status = cli_usage_error(cmd, "unknown option");
			return CLI_EXIT;
		case CLI_CONFIG:
			config = optarg;
			break;
		case -1:
			if (config_load(config, err, sizeof err) == -1) {
				char pfx[8];

				fprintf(stderr, "%s%s\n", log_prefix(LOG_ERR,
				    pfx), err);
				*status = 2;
				return CLI_EXIT;
			}
			return -1;
		default:
			if (c < CLI_SETTING)
				return c;
			o = &config_options[c - CLI_SETTING];
			if (config_set(o->name, optarg, err, sizeof err) == -1) {
				*status = cli_usage_error(cmd, "--%s %s",
				    o->name, err);
				return CLI_EXIT;
			}
		}
	}
}

/*
 * cli_options: the options of a command that has only the common ones and
 * at most one on/off --FLAG (NULL: none) setting *SET, followed by N
 * arguments as cli_args wants them (N -1: the caller counts). Returns -1
 * to go on (the arguments start at argv[optind]), else the exit status.
 */
int
cli_options(int argc, char **argv, const char *cmd, const char *usage,
    const char *flag, int *set, int n, const char *need)
{
	int c, status;

	optind = 1;
	while ((c = cli_getopt(argc, argv, cmd, usage, flag, 0, &status)) !=
	    -1) {
		if (c == CLI_EXIT)
			return status;
		*set = 1;
	}
	if (n >= 0 && (status = cli_args(argc, argv, cmd, n, need)) != 0)
		return status;
	return -1;
}

/*
 * cli_args: 0 when exactly N arguments follow the options of command CMD,
 * else the status 2 of a usage error: NEED says what the command needs, or
 * (NEED NULL) the first argument too many is named.
 */
int
cli_args(int argc, char **argv, const char *cmd, int n, const char *need)
{
	if (argc - optind == n)
		return 0;
	if (need == NULL && argc - optind > n)
		return cli_usage_error(cmd, "unexpected argument %s",
		    argv[optind + n]);
	return cli_usage_error(cmd, "%s", need ? need : "too few arguments");
}

/*
 * cli_dispatch: command CMD, which has subcommands: the one of SUBS (ended
 * by a NULL name) that ARGV[1] names runs with the arguments from there
 * on; none, or --help, prints USAGE. Returns the exit status.
 */
int
cli_dispatch(int argc, char **argv, const char *cmd, const char *usage,
    const struct cli_command *subs)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		fputs(usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (; subs->name != NULL; subs++)
		if (strcmp(argv[1], subs->name) == 0)
			return subs->run(argc - 1, argv + 1);
	return cli_usage_error(cmd, "unknown subcommand %s", argv[1]);
}

/*
 * cli_email: the EMAIL argument ARG of command CMD as mail_address() reads
 * it (caller frees), or NULL with a usage error printed.
 */
char *
cli_email(const char *cmd, const char *arg)
{
	char *email = mail_address(arg);

	if (email == NULL)
		cli_usage_error(cmd, "not an email address: %s", arg);
	return email;
}

/*
 * cli_account: the account of the EMAIL argument ARG of command CMD: 0 with
 * U filled (caller store_clear()s), or 1 with the reason printed.
 */
int
cli_account(const char *cmd, const char *arg, struct user *u)
{
	char *email = mail_address(arg);
	int rc = 0;

	if (email == NULL || store_user_find(email, u) != 1) {
		fprintf(stderr, "kluis %s: no account %s\n", cmd, email ? email :
		    arg);
		rc = 1;
	}
	free(email);
	return rc;
}

/*
 * cli_open_account: app_open(), then cli_account(CMD, ARG, U): 0 with the
 * data open and U filled (caller store_clear()s and app_close()s), or 1
 * with the reason printed and nothing open.
 */
int
cli_open_account(const char *cmd, const char *arg, struct user *u)
{
	if (app_open() == -1)
		return 1;
	if (cli_account(cmd, arg, u) != 0) {
		app_close();
		return 1;
	}
	return 0;
}

/*
 * cli_open_subject: app_open(), then the subject CODE of command CMD: 0
 * with the data open and S filled (caller store_clear()s and
 * app_close()s), or 1 with the reason printed and nothing open.
 */
int
cli_open_subject(const char *cmd, const char *code, struct subject *s)
{
	if (app_open() == -1)
		return 1;
	if (store_subject_find(code, s) != 1) {
		fprintf(stderr, "kluis %s: no subject %s; see kluis subject "
		    "list\n", cmd, code);
		app_close();
		return 1;
	}
	return 0;
}

/*
 * cli_lang: 0 when LANG (--lang of command CMD) is NULL or one of the
 * portal's languages (its catalogues: after app_open), else the usage
 * error's status 2, naming them.
 */
int
cli_lang(const char *cmd, const char *lang)
{
	struct buf b = { 0 };
	const char *l;
	size_t i;
	int rc;

	if (lang == NULL || tmpl_lang_known(lang))
		return 0;
	for (i = 0; (l = tmpl_langs(i)) != NULL; i++)
		buf_printf(&b, "%s%s", i ? ", " : "", l);
	rc = cli_usage_error(cmd, "--lang must be one of the portal's "
	    "languages (%s), not %s", b.data ? b.data : "", lang);
	buf_free(&b);
	return rc;
}

/* cli_usage_error: print a usage error for CMD; returns the exit status 2. */
int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kluis %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'kluis %s --help'.\n", cmd);
	return 2;
}
