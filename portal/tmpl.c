/* tmpl.c: templates parsed once at start-up, escaped by default, with message catalogues and their languages. */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "portal.h"

#define MAX_INCLUDE	16	/* nesting of {{> ...}} while rendering */
#define MAX_DIR_DEPTH	8

/* --- parsed templates and catalogues ------------------------------------ */

enum ntype {
	N_TEXT,		/* literal text */
	N_VAR,		/* {{name}} */
	N_BDI,		/* {{bdi name}}: a name someone typed, isolated */
	N_URL,		/* {{url name}} */
	N_RAW,		/* {{raw name}} */
	N_T,		/* {{t key}} */
	N_TV,		/* {{tv name}} */
	N_IF,		/* {{#if name}} body {{else}} alt {{/if}} */
	N_UNLESS,	/* {{#unless name}} body {{else}} alt {{/unless}} */
	N_EACH,		/* {{#each list}} body {{else}} alt {{/each}} */
	N_INCLUDE	/* {{> name}} */
};

struct node {
	enum ntype	 type;
	char		*s;		/* text, or the name/key/template */
	size_t		 len;		/* of s */
	struct node	*body;
	struct node	*alt;
	struct node	*next;
};

struct tmpl {
	char		*name;
	struct node	*root;
};

struct msg {
	char		*key;
	char		*text;
};

struct catalog {
	char		*lang;
	struct msg	*msgs;
	size_t		 n;
};

struct tstate {
	struct tmpl	*t;
	size_t		 nt;
	size_t		 capt;
	struct catalog	*c;
	size_t		 nc;
	size_t		 capc;
};

/* Built by tmpl_init, read-only afterwards: rendering needs no locks. */
static struct tstate *state;

/* What every template sees (tmpl_globals), under its own variables. */
static struct tmpl_vars *globals;

/* --- parser ------------------------------------------------------------- */

enum endkind { END_EOF, END_ELSE, END_IF, END_UNLESS, END_EACH };

struct parser {
	const char	*file;
	const char	*src;
	const char	*p;
	const char	*end;
	int		 line;
	int		 failed;
};

static const char *const end_names[] = {
	"end of file", "{{else}}", "{{/if}}", "{{/unless}}", "{{/each}}"
};
static const char *const block_words[] = { "", "", "if", "unless", "each" };

static void	 node_free(struct node *);
static int	 parse_seq(struct parser *, struct node **, enum endkind *,
		    int *);

static void PRINTF_LIKE(3, 4)
perr(struct parser *ps, int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!ps->failed)
		logmsg(LOG_ERR, "tmpl: %s:%d: %s", ps->file, line, msg);
	ps->failed = 1;
}

static struct node *
node_new(enum ntype type, const char *s, size_t len)
{
	struct node *n;

	n = xcalloc(1, sizeof(*n));
	n->type = type;
	n->s = xmalloc(len + 1);
	memcpy(n->s, s, len);
	n->s[len] = '\0';
	n->len = len;
	return n;
}

static void
node_free(struct node *n)
{
	struct node *next;

	for (; n != NULL; n = next) {
		next = n->next;
		node_free(n->body);
		node_free(n->alt);
		free(n->s);
		free(n);
	}
}

static int
is_name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

/* 1 when s[0..n) is a non-empty name: letters, digits, _ . - */
static int
is_name(const char *s, size_t n, int slash_ok)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (!is_name_char((unsigned char)s[i]) &&
		    !(slash_ok && s[i] == '/'))
			return 0;
	return 1;
}

static void
count_lines(struct parser *ps, const char *from, const char *to)
{
	for (; from < to; from++)
		if (*from == '\n')
			ps->line++;
}

/* A parsed tag: what it is and its argument (pointing into the source). */
struct tag {
	enum {
		T_VALUE,	/* a node without a body: var, url, raw, t, tv, > */
		T_OPEN,		/* #if, #unless, #each */
		T_ELSE,
		T_CLOSE		/* /if, /unless, /each */
	}		 kind;
	enum ntype	 type;
	enum endkind	 close;
	const char	*arg;
	size_t		 arglen;
};

/* Split "word arg" and classify; -1 on an unknown directive. */
static int
classify(const char *s, size_t n, struct tag *t)
{
	static const struct {
		const char	*word;
		enum ntype	 type;
	} values[] = {
		{ "url", N_URL }, { "raw", N_RAW }, { "t", N_T }, { "tv", N_TV },
		{ "bdi", N_BDI },
	}, blocks[] = {
		{ "if", N_IF }, { "unless", N_UNLESS }, { "each", N_EACH },
	};
	static const enum endkind closes[] = { END_IF, END_UNLESS, END_EACH };
	const char *sp, *word = s, *arg = NULL;
	size_t wlen = n, alen = 0, i;

	if ((sp = memchr(s, ' ', n)) != NULL) {
		wlen = (size_t)(sp - s);
		arg = sp;
		while (arg < s + n && *arg == ' ')
			arg++;
		alen = (size_t)(s + n - arg);
	}
	memset(t, 0, sizeof(*t));
	t->arg = arg;
	t->arglen = alen;
	if (n > 0 && s[0] == '>') {
		t->kind = T_VALUE;
		t->type = N_INCLUDE;
		t->arg = s + 1;
		while (t->arg < s + n && *t->arg == ' ')
			t->arg++;
		t->arglen = (size_t)(s + n - t->arg);
		return is_name(t->arg, t->arglen, 1) ? 0 : -1;
	}
	if (n > 0 && s[0] == '#') {
		for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
			if (wlen - 1 == strlen(blocks[i].word) &&
			    memcmp(s + 1, blocks[i].word, wlen - 1) == 0) {
				t->kind = T_OPEN;
				t->type = blocks[i].type;
				t->close = closes[i];
				return is_name(arg, alen, 0) ? 0 : -1;
			}
		}
		return -1;
	}
	if (n > 0 && s[0] == '/') {
		for (i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
			if (n - 1 == strlen(blocks[i].word) &&
			    memcmp(s + 1, blocks[i].word, n - 1) == 0) {
				t->kind = T_CLOSE;
				t->close = closes[i];
				return 0;
			}
		}
		return -1;
	}
	if (n == 4 && memcmp(s, "else", 4) == 0) {
		t->kind = T_ELSE;
		return 0;
	}
	if (arg == NULL) {
		t->kind = T_VALUE;
		t->type = N_VAR;
		t->arg = s;
		t->arglen = n;
		return is_name(s, n, 0) ? 0 : -1;
	}
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		if (wlen == strlen(values[i].word) &&
		    memcmp(word, values[i].word, wlen) == 0) {
			t->kind = T_VALUE;
			t->type = values[i].type;
			return is_name(arg, alen, 0) ? 0 : -1;
		}
	}
	return -1;
}

/*
 * Parse text and tags until the end of the source or a tag that ends a
 * block ({{else}}, {{/...}}), which is reported in *ended (with its line).
 * A block tag alone on its line takes the whole line with it, so block
 * structure does not leave blank lines in mail texts.
 */
static int
parse_seq(struct parser *ps, struct node **out, enum endkind *ended,
    int *endline)
{
	struct node *head = NULL, **tail = &head, *n;
	const char *open, *close, *inner, *q, *after, *text_end;
	size_t ilen;
	struct tag t;
	int line;

	for (;;) {
		const char *seg = ps->p;

		if ((open = strstr(ps->p, "{{")) == NULL)
			open = ps->end;
		text_end = open;
		if (open == ps->end) {
			if (open > seg) {
				*tail = node_new(N_TEXT, seg,
				    (size_t)(open - seg));
				tail = &(*tail)->next;
			}
			count_lines(ps, seg, open);
			ps->p = open;
			*out = head;
			*ended = END_EOF;
			*endline = ps->line;
			return 0;
		}
		count_lines(ps, seg, open);
		line = ps->line;
		close = strstr(open + 2, "}}");
		q = memchr(open + 2, '\n', (size_t)(ps->end - open - 2));
		if (close == NULL || (q != NULL && q < close)) {
			perr(ps, line, "unclosed tag \"{{\"");
			goto fail;
		}
		inner = open + 2;
		while (inner < close && *inner == ' ')
			inner++;
		ilen = (size_t)(close - inner);
		while (ilen > 0 && inner[ilen - 1] == ' ')
			ilen--;
		if (classify(inner, ilen, &t) == -1) {
			perr(ps, line, "unknown directive \"{{%.*s}}\"",
			    (int)ilen, inner);
			goto fail;
		}
		after = close + 2;

		/* a block tag alone on its line swallows the line */
		if (t.kind != T_VALUE) {
			q = open;
			while (q > seg && (q[-1] == ' ' || q[-1] == '\t'))
				q--;
			if (q == ps->src || q[-1] == '\n') {
				const char *r = after;

				while (*r == ' ' || *r == '\t' || *r == '\r')
					r++;
				if (*r == '\n' || *r == '\0') {
					text_end = q;
					if (*r == '\n') {
						r++;
						ps->line++;
					}
					after = r;
				}
			}
		}
		if (text_end > seg) {
			*tail = node_new(N_TEXT, seg, (size_t)(text_end - seg));
			tail = &(*tail)->next;
		}
		ps->p = after;

		switch (t.kind) {
		case T_VALUE:
			*tail = node_new(t.type, t.arg, t.arglen);
			tail = &(*tail)->next;
			break;
		case T_ELSE:
		case T_CLOSE:
			*out = head;
			*ended = t.kind == T_ELSE ? END_ELSE : t.close;
			*endline = line;
			return 0;
		case T_OPEN: {
			enum endkind e;
			int eline;

			n = node_new(t.type, t.arg, t.arglen);
			*tail = n;
			tail = &n->next;
			if (parse_seq(ps, &n->body, &e, &eline) == -1)
				goto fail;
			if (e == END_ELSE) {
				if (parse_seq(ps, &n->alt, &e, &eline) == -1)
					goto fail;
				if (e == END_ELSE) {
					perr(ps, eline, "second {{else}} in "
					    "the block opened at line %d",
					    line);
					goto fail;
				}
			}
			if (e == END_EOF) {
				perr(ps, line, "{{#%s %s}} is never closed",
				    block_words[t.close], n->s);
				goto fail;
			}
			if (e != t.close) {
				perr(ps, eline, "%s does not close the "
				    "block opened at line %d (expected %s)",
				    end_names[e], line, end_names[t.close]);
				goto fail;
			}
			break;
		}
		}
	}
 fail:
	node_free(head);
	*out = NULL;
	return -1;
}

/* Parse a whole template; NULL on a syntax error (logged with file:line). */
static struct node *
parse_template(const char *file, const char *src, size_t len)
{
	struct parser ps = { 0 };
	struct node *root;
	enum endkind e;
	int eline;

	ps.file = file;
	ps.src = ps.p = src;
	ps.end = src + len;
	ps.line = 1;
	if (strlen(src) != len) {
		perr(&ps, 1, "contains a NUL byte");
		return NULL;
	}
	if (parse_seq(&ps, &root, &e, &eline) == -1)
		return NULL;
	if (e != END_EOF) {
		perr(&ps, eline, "%s without an open block", end_names[e]);
		node_free(root);
		return NULL;
	}
	return root;
}

/* --- loading ------------------------------------------------------------ */

static int
read_whole(const char *path, char **out, size_t *outlen)
{
	struct buf b = { 0 };
	char chunk[8192];
	size_t n;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL) {
		logmsg(LOG_ERR, "tmpl: %s: %s", path, strerror(errno));
		return -1;
	}
	buf_puts(&b, "");
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	if (ferror(f)) {
		logmsg(LOG_ERR, "tmpl: %s: read error", path);
		fclose(f);
		buf_free(&b);
		return -1;
	}
	fclose(f);
	*outlen = b.len;
	*out = buf_steal(&b);
	return 0;
}

static int
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void
state_free(struct tstate *st)
{
	size_t i, j;

	if (st == NULL)
		return;
	for (i = 0; i < st->nt; i++) {
		free(st->t[i].name);
		node_free(st->t[i].root);
	}
	free(st->t);
	for (i = 0; i < st->nc; i++) {
		for (j = 0; j < st->c[i].n; j++) {
			free(st->c[i].msgs[j].key);
			free(st->c[i].msgs[j].text);
		}
		free(st->c[i].msgs);
		free(st->c[i].lang);
	}
	free(st->c);
	free(st);
}

/* Load every .html and .txt under dir/rel into st. */
static int
load_dir(struct tstate *st, const char *dir, const char *rel, int depth)
{
	DIR *d;
	struct dirent *de;
	struct stat sb;
	char *path, *sub, *src;
	size_t len;
	int rc = 0;

	if (depth > MAX_DIR_DEPTH) {
		logmsg(LOG_ERR, "tmpl: %s/%s: too deep", dir, rel);
		return -1;
	}
	path = *rel ? xasprintf("%s/%s", dir, rel) : xstrdup(dir);
	if ((d = opendir(path)) == NULL) {
		logmsg(LOG_ERR, "tmpl: %s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		sub = *rel ? xasprintf("%s/%s", rel, de->d_name) :
		    xstrdup(de->d_name);
		free(path);
		path = xasprintf("%s/%s", dir, sub);
		if (stat(path, &sb) == -1) {
			logmsg(LOG_ERR, "tmpl: %s: %s", path, strerror(errno));
			rc = -1;
		} else if (S_ISDIR(sb.st_mode)) {
			rc = load_dir(st, dir, sub, depth + 1);
		} else if (S_ISREG(sb.st_mode) && (has_suffix(sub, ".html") ||
		    has_suffix(sub, ".txt"))) {
			if (read_whole(path, &src, &len) == -1)
				rc = -1;
			else {
				struct node *root;

				root = parse_template(sub, src, len);
				free(src);
				if (root == NULL)
					rc = -1;
				else {
					st->t = xgrow(st->t, st->nt,
					    &st->capt, sizeof(*st->t));
					st->t[st->nt].name = sub;
					st->t[st->nt].root = root;
					st->nt++;
					sub = NULL;
				}
			}
		}
		free(sub);
	}
	closedir(d);
	free(path);
	return rc;
}

/* The default language first, then by name. */
static int
catalog_cmp(const void *a, const void *b)
{
	const char *x = ((const struct catalog *)a)->lang;
	const char *y = ((const struct catalog *)b)->lang;

	if (strcmp(x, y) != 0 && (strcmp(x, LANG_DEFAULT) == 0 ||
	    strcmp(y, LANG_DEFAULT) == 0))
		return strcmp(x, LANG_DEFAULT) == 0 ? -1 : 1;
	return strcmp(x, y);
}

static int
tmpl_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tmpl *)a)->name,
	    ((const struct tmpl *)b)->name);
}

static int
msg_cmp(const void *a, const void *b)
{
	return strcmp(((const struct msg *)a)->key,
	    ((const struct msg *)b)->key);
}

static const struct tmpl *
find_tmpl(const struct tstate *st, const char *name)
{
	struct tmpl key;

	if (st == NULL || name == NULL)
		return NULL;
	key.name = (char *)name;
	return bsearch(&key, st->t, st->nt, sizeof(*st->t), tmpl_cmp);
}

/* Unescape a catalogue text: \n is a newline, \\ a backslash. */
static char *
msg_unescape(const char *s)
{
	char *out, *o;

	o = out = xmalloc(strlen(s) + 1);
	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] == 'n') {
			*o++ = '\n';
			s++;
		} else if (s[0] == '\\' && s[1] == '\\') {
			*o++ = '\\';
			s++;
		} else
			*o++ = *s;
	}
	*o = '\0';
	return out;
}

/* Parse one catalogue file: "key = text" lines, # comments, blank lines. */
static int
load_catalog(struct catalog *c, const char *path, const char *file)
{
	char *src, *line, *next, *eq, *key, *text;
	size_t len, cap = 0, i;
	int lineno = 0, rc = -1;

	if (read_whole(path, &src, &len) == -1)
		return -1;
	if (strlen(src) != len) {
		logmsg(LOG_ERR, "tmpl: %s: contains a NUL byte", file);
		goto done;
	}
	for (line = src; line != NULL && *line != '\0'; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		str_trim(line);
		if (*line == '\0' || *line == '#')
			continue;
		if ((eq = strchr(line, '=')) == NULL) {
			logmsg(LOG_ERR,
			    "tmpl: %s:%d: expected \"key = text\"", file,
			    lineno);
			goto done;
		}
		*eq = '\0';
		key = line;
		text = eq + 1;
		str_trim(key);
		str_trim(text);
		if (!is_name(key, strlen(key), 0)) {
			logmsg(LOG_ERR,
			    "tmpl: %s:%d: bad key \"%s\"", file, lineno, key);
			goto done;
		}
		c->msgs = xgrow(c->msgs, c->n, &cap, sizeof(*c->msgs));
		c->msgs[c->n].key = xstrdup(key);
		c->msgs[c->n].text = msg_unescape(text);
		c->n++;
	}
	if (c->n > 0)
		qsort(c->msgs, c->n, sizeof(*c->msgs), msg_cmp);
	for (i = 1; i < c->n; i++) {
		if (strcmp(c->msgs[i - 1].key, c->msgs[i].key) == 0) {
			logmsg(LOG_ERR,
			    "tmpl: %s: key \"%s\" defined twice", file,
			    c->msgs[i].key);
			goto done;
		}
	}
	rc = 0;
 done:
	free(src);
	return rc;
}

/* Load dir/i18n/<lang>.msg. */
static int
load_catalogs(struct tstate *st, const char *dir)
{
	DIR *d;
	struct dirent *de;
	char *path, *file, *name, *lang;
	size_t n;
	int rc = 0;

	path = xasprintf("%s/i18n", dir);
	if ((d = opendir(path)) == NULL) {
		logmsg(LOG_ERR, "tmpl: %s: %s", path, strerror(errno));
		free(path);
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || !has_suffix(de->d_name, ".msg"))
			continue;
		n = strlen(de->d_name) - 4;
		if (n == 0 || n > 15 || !is_name(de->d_name, n, 0)) {
			logmsg(LOG_ERR,
			    "tmpl: i18n/%s: bad language name", de->d_name);
			rc = -1;
			break;
		}
		lang = xmalloc(n + 1);
		memcpy(lang, de->d_name, n);
		lang[n] = '\0';
		st->c = xgrow(st->c, st->nc, &st->capc, sizeof(*st->c));
		memset(&st->c[st->nc], 0, sizeof(st->c[st->nc]));
		st->c[st->nc].lang = lang;
		st->nc++;
		file = xasprintf("%s/%s", path, de->d_name);
		name = xasprintf("i18n/%s", de->d_name);
		rc = load_catalog(&st->c[st->nc - 1], file, name);
		free(name);
		free(file);
	}
	closedir(d);
	free(path);
	return rc;
}

/* Every {{> name}} must name a loaded template. */
static int
check_includes(const struct tstate *st, const char *file,
    const struct node *n)
{
	for (; n != NULL; n = n->next) {
		if (n->type == N_INCLUDE && find_tmpl(st, n->s) == NULL) {
			logmsg(LOG_ERR,
			    "tmpl: %s: {{> %s}}: no such template", file,
			    n->s);
			return -1;
		}
		if (check_includes(st, file, n->body) == -1 ||
		    check_includes(st, file, n->alt) == -1)
			return -1;
	}
	return 0;
}

/*
 * Load and parse every .html/.txt template under dir (names are paths
 * relative to dir) and the catalogues dir/i18n/<lang>.msg (that of
 * LANG_DEFAULT is required: it is the fallback).  Syntax errors
 * are logged with file:line.  On success replaces what an earlier call
 * loaded (call before rendering starts); 0, or -1.
 */
int
tmpl_init(const char *dir)
{
	struct tstate *st;
	size_t i;

	st = xcalloc(1, sizeof(*st));
	if (load_dir(st, dir, "", 0) == -1 || load_catalogs(st, dir) == -1)
		goto fail;
	for (i = 0; i < st->nc; i++)
		if (strcmp(st->c[i].lang, LANG_DEFAULT) == 0)
			break;
	if (i == st->nc) {
		logmsg(LOG_ERR,
		    "tmpl: %s/i18n/" LANG_DEFAULT ".msg: missing (the "
		    "default language)", dir);
		goto fail;
	}
	if (st->nc > 0)
		qsort(st->c, st->nc, sizeof(*st->c), catalog_cmp);
	if (st->nt > 0)
		qsort(st->t, st->nt, sizeof(*st->t), tmpl_cmp);
	for (i = 0; i < st->nt; i++)
		if (check_includes(st, st->t[i].name, st->t[i].root) == -1)
			goto fail;
	state_free(state);
	state = st;
	return 0;
 fail:
	state_free(st);
	return -1;
}

/* --- catalogues --------------------------------------------------------- */

static const struct catalog *
find_catalog(const char *lang)
{
	size_t i;

	if (state == NULL || lang == NULL)
		return NULL;
	for (i = 0; i < state->nc; i++)
		if (strcmp(state->c[i].lang, lang) == 0)
			return &state->c[i];
	return NULL;
}

static const char *
catalog_get(const struct catalog *c, const char *key)
{
	struct msg k, *hit;

	if (c == NULL || c->n == 0)
		return NULL;
	k.key = (char *)key;
	hit = bsearch(&k, c->msgs, c->n, sizeof(*c->msgs), msg_cmp);
	return hit ? hit->text : NULL;
}

/*
 * The raw catalogue text of key in lang, else in the default language,
 * else key itself.
 * Points into the loaded catalogues (or is key); do not free.
 */
const char *
tmpl_msg(const char *lang, const char *key)
{
	const char *s;

	if (key == NULL)
		return "";
	if ((s = catalog_get(find_catalog(lang), key)) != NULL)
		return s;
	if ((s = catalog_get(find_catalog(LANG_DEFAULT), key)) != NULL)
		return s;
	return key;
}

/*
 * The languages are the catalogues loaded: the default first, then by
 * name. tmpl_langs: the I-th, or NULL after the last.
 */
const char *
tmpl_langs(size_t i)
{
	return state != NULL && i < state->nc ? state->c[i].lang : NULL;
}

/* tmpl_lang_match: the language named S[0..N) in any case, or NULL. */
const char *
tmpl_lang_match(const char *s, size_t n)
{
	const char *l;
	size_t i;

	for (i = 0; s != NULL && (l = tmpl_langs(i)) != NULL; i++)
		if (strlen(l) == n && strncasecmp(l, s, n) == 0)
			return l;
	return NULL;
}

/* tmpl_lang_known: 1 when LANG (may be NULL) names a language, else 0. */
int
tmpl_lang_known(const char *lang)
{
	return lang != NULL && tmpl_lang_match(lang, strlen(lang)) != NULL;
}

/* tmpl_lang: the language LANG names (may be NULL), else the default. */
const char *
tmpl_lang(const char *lang)
{
	const char *l = lang ? tmpl_lang_match(lang, strlen(lang)) : NULL;

	return l ? l : LANG_DEFAULT;
}

/* tmpl_lang_next: the language after LANG, the first after the last. */
const char *
tmpl_lang_next(const char *lang)
{
	const char *l;
	size_t i;

	for (i = 0; (l = tmpl_langs(i)) != NULL; i++)
		if (strcmp(l, tmpl_lang(lang)) == 0)
			break;
	if (l == NULL || (l = tmpl_langs(i + 1)) == NULL)
		l = tmpl_langs(0);
	return l ? l : LANG_DEFAULT;
}

/* tmpl_size: SIZE in bytes as people of LANG read it ("1,5 MB"): the catalogue's decimal mark. */
void
tmpl_size(uint64_t size, const char *lang, char *out, size_t n)
{
	dl_size_human(size, *tmpl_msg(lang, "number.decimal_mark"), out, n);
}

/* --- rendering ---------------------------------------------------------- */

struct scope {
	const struct tmpl_vars	*v;
	const struct scope	*up;
};

struct rctx {
	struct buf	*b;
	int		 html;
	const char	*lang;
	int		 depth;
};

/* What a name holds in the innermost scope that has it: a string or a list. */
struct found {
	const char		 *value;	/* NULL for a list */
	struct tmpl_vars *const	 *items;
	size_t			  nitems;
};

static int
lookup(const struct scope *sc, const char *name, struct found *f)
{
	for (; sc != NULL; sc = sc->up)
		if (tv_get(sc->v, name, &f->value, &f->items, &f->nitems))
			return 1;
	return 0;
}

static const char *
lookup_str(const struct scope *sc, const char *name)
{
	struct found f;

	return lookup(sc, name, &f) && f.value != NULL ? f.value : "";
}

static int
truthy(const struct scope *sc, const char *name)
{
	struct found f;

	if (!lookup(sc, name, &f))
		return 0;
	if (f.value != NULL)
		return f.value[0] != '\0';
	return f.nitems > 0;
}

static void
emit(struct rctx *r, const char *s, size_t n)
{
	char *tmp;

	if (!r->html) {
		buf_append(r->b, s, n);
		return;
	}
	tmp = xmalloc(n + 1);
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	html_text(r->b, tmp);
	free(tmp);
}

/*
 * A value someone typed (a file, phone, account or subject name) set in a
 * sentence or a table: escaped, and in HTML isolated in <bdi> when it has
 * any non-ASCII character, so that right-to-left letters in it cannot
 * reorder the text around it (the name rules already refuse bidi controls).
 * ASCII alone cannot change the direction of the text, and stays as it is.
 */
static void
emit_isolated(struct rctx *r, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && (unsigned char)s[i] < 0x80; i++)
		;
	if (!r->html || i == n) {
		emit(r, s, n);
		return;
	}
	buf_puts(r->b, "<bdi>");
	emit(r, s, n);
	buf_puts(r->b, "</bdi>");
}

/*
 * A plural placeholder {name|one|other}: the form ONE when the variable is
 * "1", else OTHER, with "#" in the form standing for the number ("over
 * {minutes|# minuut|# minuten}"). Dutch and English have these two forms.
 * S points just after the name, at the first "|"; the end of the
 * placeholder, or NULL when it is not one.
 */
static const char *
emit_plural(struct rctx *r, const char *s, const char *value)
{
	const char *one = s + 1, *other, *end, *form, *form_end, *p;

	if ((other = strchr(one, '|')) == NULL ||
	    (end = strchr(other + 1, '}')) == NULL ||
	    memchr(one, '{', (size_t)(end - one)) != NULL)
		return NULL;
	other++;
	form = strcmp(value, "1") == 0 ? one : other;
	form_end = form == one ? other - 1 : end;
	for (p = form; p < form_end; p++) {
		if (*p == '#') {
			emit(r, form, (size_t)(p - form));
			emit(r, value, strlen(value));
			form = p + 1;
		}
	}
	emit(r, form, (size_t)(form_end - form));
	return end;
}

/*
 * Catalogue text with {var} placeholders filled (isolated as
 * emit_isolated says), and plural placeholders {var|one|other}; all of it
 * escaped in HTML.
 */
static void
emit_msg(struct rctx *r, const struct scope *sc, const char *key)
{
	const char *s, *run, *q, *end;
	char name[64];
	size_t n;

	s = tmpl_msg(r->lang, key);
	for (run = s; *s != '\0'; s++) {
		if (*s != '{')
			continue;
		for (q = s + 1; is_name_char((unsigned char)*q); q++)
			;
		n = (size_t)(q - s - 1);
		if ((*q != '}' && *q != '|') || n == 0 || n >= sizeof(name))
			continue;
		memcpy(name, s + 1, n);
		name[n] = '\0';
		if (*q == '|') {
			emit(r, run, (size_t)(s - run));
			if ((end = emit_plural(r, q, lookup_str(sc, name))) ==
			    NULL) {
				run = s;	/* not a placeholder: as it is */
				continue;
			}
			s = end;
			run = s + 1;
			continue;
		}
		emit(r, run, (size_t)(s - run));
		q = lookup_str(sc, name);
		emit_isolated(r, q, strlen(q));
		s += n + 1;
		run = s + 1;
	}
	emit(r, run, (size_t)(s - run));
}

static int
render_nodes(struct rctx *r, const struct node *n, const struct scope *sc)
{
	const struct tmpl *t;
	struct scope inner;
	struct found f;
	const char *v;
	size_t i;
	int rc;

	for (; n != NULL; n = n->next) {
		switch (n->type) {
		case N_TEXT:
			buf_append(r->b, n->s, n->len);
			break;
		case N_VAR:
			v = lookup_str(sc, n->s);
			emit(r, v, strlen(v));
			break;
		case N_BDI:
			v = lookup_str(sc, n->s);
			emit_isolated(r, v, strlen(v));
			break;
		case N_URL:
			html_url(r->b, lookup_str(sc, n->s));
			break;
		case N_RAW:
			buf_puts(r->b, lookup_str(sc, n->s));
			break;
		case N_T:
			emit_msg(r, sc, n->s);
			break;
		case N_TV:
			v = lookup_str(sc, n->s);
			if (*v != '\0')
				emit_msg(r, sc, v);
			break;
		case N_IF:
		case N_UNLESS:
			if (truthy(sc, n->s) == (n->type == N_IF))
				rc = render_nodes(r, n->body, sc);
			else
				rc = render_nodes(r, n->alt, sc);
			if (rc == -1)
				return -1;
			break;
		case N_EACH:
			if (!lookup(sc, n->s, &f) || f.nitems == 0) {
				if (render_nodes(r, n->alt, sc) == -1)
					return -1;
				break;
			}
			inner.up = sc;
			for (i = 0; i < f.nitems; i++) {
				inner.v = f.items[i];
				if (render_nodes(r, n->body, &inner) == -1)
					return -1;
			}
			break;
		case N_INCLUDE:
			if ((t = find_tmpl(state, n->s)) == NULL)
				return -1;
			if (r->depth >= MAX_INCLUDE) {
				logmsg(LOG_ERR,
				    "tmpl: {{> %s}}: includes nested too "
				    "deeply", n->s);
				return -1;
			}
			r->depth++;
			rc = render_nodes(r, t->root, sc);
			r->depth--;
			if (rc == -1)
				return -1;
			break;
		}
	}
	return 0;
}

static int
render(struct buf *b, const char *name, const struct tmpl_vars *v,
    const char *lang, int html)
{
	const struct tmpl *t;
	struct rctx r;
	struct scope sc, gsc;
	size_t start = b->len;

	if ((t = find_tmpl(state, name)) == NULL) {
		logmsg(LOG_ERR,
		    "tmpl: %s: no such template", name ? name : "(null)");
		return -1;
	}
	r.b = b;
	r.html = html;
	r.lang = lang;
	r.depth = 0;
	gsc.v = globals;
	gsc.up = NULL;
	sc.v = v;
	sc.up = globals != NULL ? &gsc : NULL;
	buf_puts(b, "");
	if (render_nodes(&r, t->root, &sc) == -1) {
		b->len = start;
		b->data[start] = '\0';
		return -1;
	}
	return 0;
}

/*
 * tmpl_globals: V (consumed; replaces the ones set before) holds what every
 * template sees under its own variables: the organisation, its helpdesk.
 * Set at start-up, before rendering starts.
 */
void
tmpl_globals(struct tmpl_vars *v)
{
	tv_free(globals);
	globals = v;
}

/*
 * Append template name rendered for HTML: {{name}} and {{t ...}} escaped.
 * 0, or -1 for an unknown template (b unchanged).
 */
int
tmpl_render(struct buf *b, const char *name, const struct tmpl_vars *v,
    const char *lang)
{
	return render(b, name, v, lang, 1);
}

/* As tmpl_render, but nothing is HTML-escaped (mail and other text). */
int
tmpl_render_text(struct buf *b, const char *name, const struct tmpl_vars *v,
    const char *lang)
{
	return render(b, name, v, lang, 0);
}
