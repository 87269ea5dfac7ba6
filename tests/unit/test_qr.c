/* test_qr.c: unit test for qr.c (SVG shape; decoded with rsvg-convert + zbarimg when installed). */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "portal.h"

#include "check.h"

static int
have_tool(const char *name)
{
	char *cmd = xasprintf("command -v %s >/dev/null 2>&1", name);
	int rc = system(cmd);

	free(cmd);
	return rc == 0;
}

static size_t
count(const char *s, const char *needle)
{
	size_t n = 0;

	while ((s = strstr(s, needle)) != NULL) {
		n++;
		s += strlen(needle);
	}
	return n;
}

/* Rasterise svg and decode it; returns what zbarimg read (caller frees). */
static char *
decode(const char *svg, const char *dir)
{
	char *svgpath, *pngpath, *cmd, *out = NULL;
	struct buf b = { 0 };
	char chunk[4096];
	size_t n;
	FILE *f;

	svgpath = xasprintf("%s/qr.svg", dir);
	pngpath = xasprintf("%s/qr.png", dir);
	if ((f = fopen(svgpath, "w")) == NULL)
		goto done;
	fputs(svg, f);
	fclose(f);
	cmd = xasprintf("rsvg-convert -w 400 -o '%s' '%s' && "
	    "zbarimg --quiet --raw -Sdisable -Sqrcode.enable '%s' 2>/dev/null",
	    pngpath, svgpath, pngpath);
	if ((f = popen(cmd, "r")) != NULL) {
		buf_puts(&b, "");
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
			buf_append(&b, chunk, n);
		if (pclose(f) == 0) {
			while (b.len > 0 && b.data[b.len - 1] == '\n')
				b.data[--b.len] = '\0';
			out = buf_steal(&b);
		}
	}
	buf_free(&b);
	free(cmd);
 done:
	unlink(svgpath);
	unlink(pngpath);
	free(svgpath);
	free(pngpath);
	return out;
}

int
main(void)
{
	static const char *inputs[] = {
		"otpauth://totp/kluis:jan%40example.nl?secret="
		"GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=kluis&algorithm=SHA1"
		"&digits=6&period=30",
		"otpauth://totp/CBS%20Portaal:a.very.long.address.for.testing"
		"%40subdomain.example.nl?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
		"&issuer=CBS%20Portaal&algorithm=SHA1&digits=6&period=30",
		"x",
	};
	char dir[] = "/tmp/kluis-test-qr-XXXXXX";
	int tools;
	size_t i;
	char *svg, *got;

	tools = have_tool("rsvg-convert") && have_tool("zbarimg");
	if (!tools)
		printf("note: rsvg-convert or zbarimg missing, not decoding\n");
	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp");
	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		svg = qr_svg(inputs[i]);
		CHECK(svg != NULL);
		if (svg == NULL)
			continue;
		CHECK(str_has_prefix(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" "
		    "viewBox=\"0 0 "));
		CHECK(strstr(svg, "shape-rendering=\"crispEdges\"") != NULL);
		CHECK(strstr(svg, "role=\"img\"") != NULL);
		CHECK(count(svg, "<rect ") == 1);
		CHECK(count(svg, "<path ") == 1);
		CHECK(count(svg, "<") == count(svg, ">"));
		CHECK(strlen(svg) > 100 && strcmp(svg + strlen(svg) - 6,
		    "</svg>") == 0);
		/* the quiet zone: no module drawn before x=4 or y=4 */
		CHECK(strstr(svg, "M0 ") == NULL && strstr(svg, "M3 ") == NULL);
		if (tools) {
			got = decode(svg, dir);
			if (got == NULL || strcmp(got, inputs[i]) != 0) {
				printf("FAIL qr decode %zu: got \"%s\"\n", i,
				    got ? got : "(nothing)");
				failures++;
			}
			free(got);
		}
		free(svg);
	}
	rmdir(dir);
	CHECK(qr_svg(NULL) == NULL);
	if (failures)
		printf("test_qr: %d failure(s)\n", failures);
	else
		printf("test_qr: ok\n");
	return check_done();
}
