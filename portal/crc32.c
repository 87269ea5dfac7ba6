/* crc32.c: the CRC-32 of zip files and gzip (ISO 3309, reflected 0xEDB88320), eight bytes a step. */
#include <pthread.h>

#include "portal.h"

static uint32_t		table[8][256];
static pthread_once_t	once = PTHREAD_ONCE_INIT;

static void
make_table(void)
{
	uint32_t c;
	int i, k;

	for (i = 0; i < 256; i++) {
		c = (uint32_t)i;
		for (k = 0; k < 8; k++)
			c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
		table[0][i] = c;
	}
	for (i = 0; i < 256; i++)
		for (k = 1; k < 8; k++)
			table[k][i] = table[0][table[k - 1][i] & 0xff] ^
			    (table[k - 1][i] >> 8);
}

/*
 * crc32_update: the CRC-32 of what CRC covered followed by the N bytes at
 * P (start with 0): crc32_update(0, "123456789", 9) is 0xcbf43926.
 */
uint32_t
crc32_update(uint32_t crc, const void *p, size_t n)
{
	const unsigned char *s = p;
	uint32_t c = ~crc, a, b;

	pthread_once(&once, make_table);
	for (; n >= 8; n -= 8, s += 8) {
		a = c ^ ((uint32_t)s[0] | (uint32_t)s[1] << 8 |
		    (uint32_t)s[2] << 16 | (uint32_t)s[3] << 24);
		b = (uint32_t)s[4] | (uint32_t)s[5] << 8 |
		    (uint32_t)s[6] << 16 | (uint32_t)s[7] << 24;
		c = table[7][a & 0xff] ^ table[6][a >> 8 & 0xff] ^
		    table[5][a >> 16 & 0xff] ^ table[4][a >> 24] ^
		    table[3][b & 0xff] ^ table[2][b >> 8 & 0xff] ^
		    table[1][b >> 16 & 0xff] ^ table[0][b >> 24];
	}
	while (n-- > 0)
		c = table[0][(c ^ *s++) & 0xff] ^ (c >> 8);
	return ~c;
}
