/* test_tmpl.c: unit test for tmpl.c (every directive, escaping, scopes, catalogues, syntax errors). */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "portal.h"

#include "check.h"

static char root[] = "/tmp/kluis-test-tmpl-XXXXXX";

static void
put(const char *dir, const char *name, const char *text)
{
	char *path, *slash;
	FILE *f;

	path = xasprintf("%s/%s", dir, name);
	slash = strrchr(path, '/');
	*slash = '\0';
	if (mkdir_p(path, 0700) == -1)
		fatal("mkdir_p %s", path);
	*slash = '/';
	if ((f = fopen(path, "w")) == NULL)
		fatal("cannot write %s", path);
	fputs(text, f);
	fclose(f);
	free(path);
}

/* Render and compare; prints both on a mismatch. */
static void
expect(int line, int html, const char *name, const struct tmpl_vars *v,
    const char *lang, const char *want)
{
	struct buf b = { 0 };
	int rc;

	buf_puts(&b, "");
	rc = html ? tmpl_render(&b, name, v, lang) :
	    tmpl_render_text(&b, name, v, lang);
	if (rc != 0 || strcmp(b.data, want) != 0) {
		printf("FAIL line %d: render %s (%s, %s) rc=%d\n"
		    "  got:  [%s]\n  want: [%s]\n", line, name,
		    html ? "html" : "text", lang ? lang : "NULL", rc, b.data,
		    want);
		failures++;
	}
	buf_free(&b);
}

#define EXPECT(html, name, v, lang, want) \
	expect(__LINE__, html, name, v, lang, want)

static const char nl_msg[] =
    "# Nederlands\n"
    "\n"
    "greet = Hallo {name}, welkom!\n"
    "site.title   =   Kluis  \n"
    "only.nl = alleen Nederlands\n"
    "danger = <b>vet</b> & \"zo\"\n"
    "pw.short = Minstens 12 tekens, {name}.\n"
    "multi = regel een\\nregel twee \\\\ {onbekend} {niet af {name}\n";

static const char en_msg[] =
    "greet = Hello {name}, welcome!\n"
    "  # indented comment\n"
    "site.title = Vault\n"
    "pw.short = At least 12 characters, {name}.\n";

static void
setup_good(const char *dir)
{
	put(dir, "i18n/nl.msg", nl_msg);
	put(dir, "i18n/en.msg", en_msg);
	put(dir, "vars.html",
	    "[{{name}}][{{ name }}][{{raw name}}][{{url name}}][{{nope}}]");
	put(dir, "t.html",
	    "{{t greet}}|{{t site.title}}|{{t only.nl}}|{{t no.such.key}}"
	    "|{{t danger}}");
	put(dir, "tv.html", "<p>{{tv err}}</p>");
	put(dir, "bdi.html", "<td>{{bdi name}}</td>|{{t greet}}");
	put(dir, "if.html",
	    "{{#if a}}A{{else}}not-A{{/if}},"
	    "{{#unless a}}U{{else}}not-U{{/unless}},"
	    "{{#if items}}has{{else}}empty{{/if}},"
	    "{{#if a}}{{#if b}}AB{{else}}A-{{/if}}{{/if}}");
	put(dir, "each.html",
	    "<ul>{{#each users}}<li>{{name}}@{{site}}:"
	    "{{#each devices}}({{name}}/{{dev}}{{#if last}}!{{/if}})"
	    "{{else}}none{{/each}}</li>{{/each}}</ul>"
	    "{{#each nothing}}x{{else}}no items{{/each}}");
	put(dir, "inc.html", "<main>{{> partials/row.html}}"
	    "{{#each rows}}{{> partials/row.html}}{{/each}}</main>");
	put(dir, "partials/row.html", "<i>{{name}}</i>");
	put(dir, "layout.html",
	    "<!doctype html><title>{{t site.title}}</title>{{raw body}}");
	put(dir, "mail/temp.txt",
	    "{{t greet}}\n"
	    "\n"
	    "{{#if password}}\n"
	    "Uw tijdelijke wachtwoord:\n"
	    "\n"
	    "    {{password}}\n"
	    "\n"
	    "  {{/if}}  \n"
	    "{{#each links}}\n"
	    "- {{url}} {{#if x}}x{{/if}}\n"
	    "{{/each}}\n"
	    "{{t multi}}\n"
	    "einde");
	put(dir, "ignored.css", "{{ this is not a template");
	put(dir, ".hidden.html", "{{ nor this");
}

static void
test_render(void)
{
	struct tmpl_vars *v, *u, *d;
	struct buf b = { 0 };
	char *body;

	v = tv_new();
	tv_set(v, "name", "<b>\"Jan\" & 'Piet'</b> \xc3\xa9/?");
	EXPECT(1, "vars.html", v, "nl",
	    "[&lt;b&gt;&quot;Jan&quot; &amp; &#39;Piet&#39;&lt;/b&gt; \xc3\xa9/?]"
	    "[&lt;b&gt;&quot;Jan&quot; &amp; &#39;Piet&#39;&lt;/b&gt; \xc3\xa9/?]"
	    "[<b>\"Jan\" & 'Piet'</b> \xc3\xa9/?]"
	    "[%3Cb%3E%22Jan%22%20%26%20%27Piet%27%3C%2Fb%3E%20%C3%A9%2F%3F][]");
	EXPECT(0, "vars.html", v, "nl",
	    "[<b>\"Jan\" & 'Piet'</b> \xc3\xa9/?][<b>\"Jan\" & 'Piet'</b> \xc3\xa9/?]"
	    "[<b>\"Jan\" & 'Piet'</b> \xc3\xa9/?]"
	    "[%3Cb%3E%22Jan%22%20%26%20%27Piet%27%3C%2Fb%3E%20%C3%A9%2F%3F][]");

	/* catalogues: lang, fallback to nl, then the key; escaped in HTML */
	tv_set(v, "name", "<Jan>");
	EXPECT(1, "t.html", v, "nl", "Hallo &lt;Jan&gt;, welkom!|Kluis|"
	    "alleen Nederlands|no.such.key|"
	    "&lt;b&gt;vet&lt;/b&gt; &amp; &quot;zo&quot;");
	EXPECT(1, "t.html", v, "en", "Hello &lt;Jan&gt;, welcome!|Vault|"
	    "alleen Nederlands|no.such.key|"
	    "&lt;b&gt;vet&lt;/b&gt; &amp; &quot;zo&quot;");
	EXPECT(1, "t.html", v, "xx", "Hallo &lt;Jan&gt;, welkom!|Kluis|"
	    "alleen Nederlands|no.such.key|"
	    "&lt;b&gt;vet&lt;/b&gt; &amp; &quot;zo&quot;");
	EXPECT(1, "t.html", v, NULL, "Hallo &lt;Jan&gt;, welkom!|Kluis|"
	    "alleen Nederlands|no.such.key|"
	    "&lt;b&gt;vet&lt;/b&gt; &amp; &quot;zo&quot;");
	EXPECT(0, "t.html", v, "en", "Hello <Jan>, welcome!|Vault|"
	    "alleen Nederlands|no.such.key|<b>vet</b> & \"zo\"");

	/* tv: the key is the variable's value */
	tv_set(v, "err", "pw.short");
	EXPECT(1, "tv.html", v, "en", "<p>At least 12 characters, &lt;Jan&gt;.</p>");
	tv_set(v, "err", "");
	EXPECT(1, "tv.html", v, "en", "<p></p>");
	tv_set(v, "err", "<x>");
	EXPECT(1, "tv.html", v, "en", "<p>&lt;x&gt;</p>");

	/*
	 * bdi, and a placeholder of a message: a name with any non-ASCII
	 * character (right-to-left letters) isolated in HTML, escaped all the
	 * same; ASCII as it is; plain text never.
	 */
	tv_set(v, "name", "<Jan>");
	EXPECT(1, "bdi.html", v, "nl",
	    "<td>&lt;Jan&gt;</td>|Hallo &lt;Jan&gt;, welkom!");
	tv_set(v, "name", "\xd9\x85\xd9\x84\xd9\x81<.pdf");
	EXPECT(1, "bdi.html", v, "nl",
	    "<td><bdi>\xd9\x85\xd9\x84\xd9\x81&lt;.pdf</bdi></td>|"
	    "Hallo <bdi>\xd9\x85\xd9\x84\xd9\x81&lt;.pdf</bdi>, welkom!");
	EXPECT(0, "bdi.html", v, "nl",
	    "<td>\xd9\x85\xd9\x84\xd9\x81<.pdf</td>|"
	    "Hallo \xd9\x85\xd9\x84\xd9\x81<.pdf, welkom!");
	tv_set(v, "name", "<Jan>");

	/* if / unless / else, nested */
	EXPECT(1, "if.html", v, "nl", "not-A,U,empty,");
	tv_set(v, "a", "");
	EXPECT(1, "if.html", v, "nl", "not-A,U,empty,");
	tv_set(v, "a", "0");
	EXPECT(1, "if.html", v, "nl", "A,not-U,empty,A-");
	tv_setf(v, "b", "%d", 1);
	EXPECT(1, "if.html", v, "nl", "A,not-U,empty,AB");
	tv_add(v, "items");
	EXPECT(1, "if.html", v, "nl", "A,not-U,has,AB");
	tv_set(v, "items", "");		/* a string replaces the list */
	EXPECT(1, "if.html", v, "nl", "A,not-U,empty,AB");
	tv_free(v);

	/* each, nested, with lookups falling through to outer scopes */
	v = tv_new();
	tv_set(v, "site", "kluis");
	tv_set(v, "dev", "outer-dev");
	u = tv_add(v, "users");
	tv_set(u, "name", "<jan>");
	d = tv_add(u, "devices");
	tv_set(d, "name", "Mijn telefoon");
	d = tv_add(u, "devices");
	tv_set(d, "name", "Nog een telefoon");
	tv_set(d, "dev", "2");
	tv_set(d, "last", "y");
	u = tv_add(v, "users");
	tv_set(u, "name", "piet");
	tv_set(u, "site", "elders");
	EXPECT(1, "each.html", v, "nl",
	    "<ul><li>&lt;jan&gt;@kluis:(Mijn telefoon/outer-dev)"
	    "(Nog een telefoon/2!)</li><li>piet@elders:none</li></ul>"
	    "no items");
	tv_free(v);

	/* includes see the same variables, and the item inside each */
	v = tv_new();
	tv_set(v, "name", "top");
	tv_set(tv_add(v, "rows"), "name", "r1");
	tv_set(tv_add(v, "rows"), "name", "<r2>");
	EXPECT(1, "inc.html", v, "nl",
	    "<main><i>top</i><i>r1</i><i>&lt;r2&gt;</i></main>");
	EXPECT(0, "inc.html", v, "nl",
	    "<main><i>top</i><i>r1</i><i><r2></i></main>");

	/* a rendered page as raw markup in a layout */
	buf_puts(&b, "");
	CHECK(tmpl_render(&b, "inc.html", v, "nl") == 0);
	body = buf_steal(&b);
	tv_set(v, "body", body);
	free(body);
	EXPECT(1, "layout.html", v, "en", "<!doctype html><title>Vault</title>"
	    "<main><i>top</i><i>r1</i><i>&lt;r2&gt;</i></main>");
	tv_free(v);

	/* mail: text mode, block tags alone on a line leave no blank line */
	v = tv_new();
	tv_set(v, "name", "Jan <jan@example.nl>");
	tv_set(v, "password", "abcd-EFGH-2345-jkmn");
	tv_set(tv_add(v, "links"), "url", "https://x/a?b=c&d");
	tv_set(tv_add(v, "links"), "url", "https://x/2");
	EXPECT(0, "mail/temp.txt", v, "nl",
	    "Hallo Jan <jan@example.nl>, welkom!\n"
	    "\n"
	    "Uw tijdelijke wachtwoord:\n"
	    "\n"
	    "    abcd-EFGH-2345-jkmn\n"
	    "\n"
	    "- https://x/a?b=c&d \n"
	    "- https://x/2 \n"
	    "regel een\nregel twee \\  {niet af Jan <jan@example.nl>\n"
	    "einde");
	tv_free(v);
	v = tv_new();
	EXPECT(0, "mail/temp.txt", v, "nl",
	    "Hallo , welkom!\n\nregel een\nregel twee \\  {niet af \neinde");
	tv_free(v);

	/* unknown template: -1 and the buffer is left as it was */
	buf_puts(&b, "keep");
	CHECK(tmpl_render(&b, "nope.html", NULL, "nl") == -1);
	CHECK(tmpl_render_text(&b, "ignored.css", NULL, "nl") == -1);
	CHECK(tmpl_render(&b, ".hidden.html", NULL, "nl") == -1);
	CHECK(tmpl_render(&b, NULL, NULL, "nl") == -1);
	CHECK(strcmp(b.data, "keep") == 0);
	/* NULL vars are allowed */
	CHECK(tmpl_render(&b, "vars.html", NULL, "nl") == 0);
	CHECK(strcmp(b.data, "keep[][][][][]") == 0);
	buf_free(&b);

	/* tmpl_msg and tmpl_lang_known */
	CHECK(strcmp(tmpl_msg("en", "greet"), "Hello {name}, welcome!") == 0);
	CHECK(strcmp(tmpl_msg("en", "only.nl"), "alleen Nederlands") == 0);
	CHECK(strcmp(tmpl_msg("fr", "greet"), "Hallo {name}, welkom!") == 0);
	CHECK(strcmp(tmpl_msg("en", "x.y"), "x.y") == 0);
	CHECK(strcmp(tmpl_msg("nl", "site.title"), "Kluis") == 0);
	CHECK(tmpl_lang_known("nl") == 1);
	CHECK(tmpl_lang_known("en") == 1);
	CHECK(tmpl_lang_known("de") == 0);
	CHECK(tmpl_lang_known("") == 0);
	CHECK(tmpl_lang_known(NULL) == 0);
}

/* tmpl_init on a directory with one broken file; the log must name where. */
static void
bad(int line, const char *file, const char *text, const char *where)
{
	static int n;
	char *dir, *log, *cmd;
	struct buf b = { 0 };
	char chunk[1024];
	size_t r;
	FILE *f;
	int saved, fd, rc;

	dir = xasprintf("%s/bad%d", root, n++);
	put(dir, "i18n/nl.msg", "a = b\n");
	put(dir, "ok.html", "fine {{a}}");
	put(dir, file, text);
	if (strstr(where, "nl.msg: missing") != NULL) {
		cmd = xasprintf("%s/i18n/nl.msg", dir);
		unlink(cmd);
		free(cmd);
	}
	log = xasprintf("%s.log", dir);
	fflush(stderr);
	saved = dup(2);
	fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	dup2(fd, 2);
	close(fd);
	rc = tmpl_init(dir);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	if ((f = fopen(log, "r")) != NULL) {
		buf_puts(&b, "");
		while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
			buf_append(&b, chunk, r);
		fclose(f);
	}
	if (rc != -1 || b.data == NULL || strstr(b.data, where) == NULL) {
		printf("FAIL line %d: tmpl_init accepted or did not say \"%s\": "
		    "rc=%d log: %s\n", line, where, rc, b.data ? b.data : "");
		failures++;
	}
	buf_free(&b);
	cmd = xasprintf("rm -rf '%s' '%s'", dir, log);
	if (system(cmd) != 0)
		printf("warning: %s failed\n", cmd);
	free(cmd);
	free(log);
	free(dir);
}

#define BAD(file, text, where) bad(__LINE__, file, text, where)

static void
test_errors(void)
{
	struct tmpl_vars *v;

	BAD("x.html", "one\ntwo {{name\n}}", "x.html:2: unclosed tag");
	BAD("x.html", "{{name", "x.html:1: unclosed tag");
	BAD("sub/y.html", "\n\n{{#for x}}{{/for}}", "sub/y.html:3: unknown directive");
	BAD("x.html", "{{foo bar}}", "x.html:1: unknown directive");
	BAD("x.html", "{{}}", "x.html:1: unknown directive");
	BAD("x.html", "{{#if}}x{{/if}}", "x.html:1: unknown directive");
	BAD("x.html", "{{#if a b}}x{{/if}}", "x.html:1: unknown directive");
	BAD("x.html", "{{/if x}}", "x.html:1: unknown directive");
	BAD("x.html", "{{raw}}{{raw <x>}}", "x.html:1: unknown directive");
	BAD("x.html", "{{na\"me}}", "x.html:1: unknown directive");
	BAD("x.html", "a\n{{#if a}}\nx\n", "x.html:2: {{#if a}} is never closed");
	BAD("x.html", "{{#each l}}{{#if a}}{{/each}}{{/if}}",
	    "x.html:1: {{/each}} does not close");
	BAD("x.html", "{{#if a}}\n{{/unless}}", "x.html:2: {{/unless}} does not close");
	BAD("x.html", "x\n{{/if}}", "x.html:2: {{/if}} without an open block");
	BAD("x.html", "{{else}}", "x.html:1: {{else}} without an open block");
	BAD("x.html", "{{#if a}}1{{else}}2\n{{else}}3{{/if}}",
	    "x.html:2: second {{else}}");
	BAD("x.html", "{{> missing.html}}", "x.html: {{> missing.html}}: no such");
	BAD("i18n/en.msg", "ok = fine\n\nno equals sign\n", "i18n/en.msg:3:");
	BAD("i18n/en.msg", "bad key = x\n", "i18n/en.msg:1: bad key");
	BAD("i18n/en.msg", "k = 1\nk = 2\n", "defined twice");
	CHECK(tmpl_init("/nonexistent/templates") == -1);
	BAD("i18n/en.msg", "", "i18n/nl.msg: missing");	/* bad() drops nl.msg */

	/* the templates loaded before are still there */
	v = tv_new();
	tv_set(v, "name", "x");
	EXPECT(1, "partials/row.html", v, "nl", "<i>x</i>");
	tv_free(v);
}

/* set/replace semantics of the variables, under ASan for leaks */
static void
test_vars(void)
{
	struct tmpl_vars *v, *c;

	v = tv_new();
	tv_set(v, "a", "1");
	tv_set(v, "a", "2");
	tv_setf(v, "b", "%s-%d", "x", 3);
	c = tv_add(v, "a");		/* the string becomes a list */
	tv_set(c, "a", "inner");
	tv_set(v, "nul", NULL);
	EXPECT(1, "vars.html", v, "nl", "[][][][][]");
	tv_free(v);
	tv_free(NULL);
}

int
main(void)
{
	char *dir, *cmd;

	if (mkdtemp(root) == NULL)
		fatal("mkdtemp");
	dir = xasprintf("%s/good", root);
	setup_good(dir);
	if (tmpl_init(dir) != 0) {
		printf("FAIL tmpl_init(%s)\n", dir);
		return 1;
	}
	test_render();
	test_vars();
	test_errors();
	free(dir);

	/* the project's own templates must load */
	if (getenv("KLUIS_SHARE") != NULL) {
		dir = xasprintf("%s/templates", getenv("KLUIS_SHARE"));
		if (tmpl_init(dir) != 0) {
			printf("FAIL tmpl_init(%s): see the log above\n", dir);
			failures++;
		} else
			CHECK(tmpl_lang_known("nl") && tmpl_lang_known("en"));
		free(dir);
	}
	cmd = xasprintf("rm -rf '%s'", root);
	if (system(cmd) != 0)
		printf("warning: %s failed\n", cmd);
	free(cmd);
	if (failures)
		printf("test_tmpl: %d failure(s)\n", failures);
	else
		printf("test_tmpl: ok\n");
	return check_done();
}
