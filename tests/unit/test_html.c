/* test_html.c: unit test for html.c (escaping tables for text, attribute and URL contexts). */
#include <stdio.h>
#include <string.h>

#include "portal.h"

#include "check.h"

struct row {
	const char *in, *out;
};

static void
table(const char *what, void (*fn)(struct buf *, const char *),
    const struct row *v, size_t n)
{
	struct buf b = { 0 };
	size_t i;

	for (i = 0; i < n; i++) {
		buf_puts(&b, "[");
		fn(&b, v[i].in);
		buf_puts(&b, "]");
		if (b.len != strlen(v[i].out) + 2 ||
		    strncmp(b.data + 1, v[i].out, b.len - 2) != 0) {
			printf("FAIL %s(\"%s\") = %s, want [%s]\n", what,
			    v[i].in, b.data, v[i].out);
			failures++;
		}
		buf_free(&b);
	}
}

int
main(void)
{
	static const struct row markup[] = {
		{ "", "" },
		{ "plain text", "plain text" },
		{ "<>&\"'", "&lt;&gt;&amp;&quot;&#39;" },
		{ "<script>alert('x')</script>",
		  "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" },
		{ "a & b", "a &amp; b" },
		{ "&amp;", "&amp;amp;" },
		{ "\" onmouseover=\"x", "&quot; onmouseover=&quot;x" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91",
		  "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91" },	/* UTF-8 */
		{ "line\nbreak\ttab", "line\nbreak\ttab" },
		{ "{{x}} %s /", "{{x}} %s /" },
	};
	static const struct row url[] = {
		{ "", "" },
		{ "abcXYZ019-._~", "abcXYZ019-._~" },
		{ "a b", "a%20b" },
		{ "<>&\"'", "%3C%3E%26%22%27" },
		{ "/?#[]@!$&'()*+,;=:%", "%2F%3F%23%5B%5D%40%21%24%26%27%28%29"
		  "%2A%2B%2C%3B%3D%3A%25" },
		{ "jan@example.nl", "jan%40example.nl" },
		{ "caf\xc3\xa9", "caf%C3%A9" },
		{ "\x01\x7f\xff", "%01%7F%FF" },
		{ "../etc/passwd", "..%2Fetc%2Fpasswd" },
	};
	struct buf b = { 0 };

	table("html_text", html_text, markup, sizeof(markup) / sizeof(*markup));
	table("html_attr", html_attr, markup, sizeof(markup) / sizeof(*markup));
	table("html_url", html_url, url, sizeof(url) / sizeof(*url));

	/* NULL appends nothing, and appends go after what is there */
	buf_puts(&b, "x");
	html_text(&b, NULL);
	html_attr(&b, NULL);
	html_url(&b, NULL);
	html_text(&b, "<");
	if (strcmp(b.data, "x&lt;") != 0) {
		printf("FAIL append: %s\n", b.data);
		failures++;
	}
	buf_free(&b);

	if (failures)
		printf("test_html: %d failure(s)\n", failures);
	else
		printf("test_html: ok\n");
	return check_done();
}
