/* fuzz_parsers.c: libFuzzer target for the parsers that see request bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), norm[64];
	struct buf b = { 0 };
	uint64_t off, len;
	uint8_t *out = NULL;
	size_t outlen;
	int kind;

	memcpy(s, data, size);
	s[size] = '\0';
	kind = dl_range(s, size * 7 + 3, &off, &len);
	if (kind == DL_RANGE_ONE && (len == 0 || off + len > size * 7 + 3))
		abort();
	dl_disposition(&b, s);
	for (size_t i = 0; i < b.len; i++)
		if ((unsigned char)b.data[i] < 0x20 || (unsigned char)b.data[i] > 0x7e)
			abort();	/* a header value must stay printable ASCII */
	buf_free(&b);
	(void)dl_mime(s);
	(void)validation_normal(s, norm, sizeof norm);
	(void)password_problem(s, "a@b.example");
	if (totp_base32_decode(s, &out, &outlen) == 0)
		free(out);
	(void)totp_code_wellformed(s);
	html_text(&b, s);
	html_url(&b, s);
	buf_free(&b);
	free(s);
	return 0;
}
