/* test_json.c: unit test for json.c: strings escaped so that any bytes give valid JSON, and the members between them. */
#include <stdlib.h>
#include <string.h>

#include "portal.h"

#include "check.h"

static int
is(const char *in, const char *want)
{
	struct buf b = { 0 };
	int ok;

	json_string(&b, in);
	ok = strcmp(b.data, want) == 0;
	if (!ok)
		printf("json_string(%s) = %s, want %s\n", in, b.data, want);
	buf_free(&b);
	return ok;
}

int
main(void)
{
	struct buf b = { 0 };

	CHECK(is("", "\"\""));
	CHECK(is("op-orde.pdf", "\"op-orde.pdf\""));
	CHECK(is("a\"b\\c", "\"a\\\"b\\\\c\""));
	CHECK(is("line\nbreak\r\ttab", "\"line\\nbreak\\r\\ttab\""));
	CHECK(is("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\""));
	CHECK(is("</script>", "\"</script>\""));
	/* UTF-8 as it is; U+2028 and U+2029 escaped. */
	CHECK(is("caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80",
	    "\"caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80\""));
	CHECK(is("a\xe2\x80\xa8" "b\xe2\x80\xa9", "\"a\\u2028b\\u2029\""));
	/* Not UTF-8: U+FFFD per bad byte, never invalid JSON. */
	CHECK(is("\xff", "\"\\ufffd\""));
	CHECK(is("\xc3", "\"\\ufffd\""));
	CHECK(is("\xc0\xaf", "\"\\ufffd\\ufffd\""));		/* overlong "/" */
	CHECK(is("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\""));	/* a surrogate */
	CHECK(is("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\""));
	CHECK(is("\xe6\x97", "\"\\ufffd\\ufffd\""));		/* cut short */
	buf_putc(&b, '{');
	json_member(&b, "id", 1);
	buf_puts(&b, "1");
	json_member(&b, "na\"me", 0);
	json_string(&b, "x");
	buf_putc(&b, '}');
	CHECK(strcmp(b.data, "{\"id\":1,\"na\\\"me\":\"x\"}") == 0);
	buf_free(&b);
	return check_done();
}
