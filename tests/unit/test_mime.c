/* test_mime.c: unit test for mime.c: folded lines, encoded words of whole characters that decode to the text, display names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

#include "check.h"

static int
b64val(int c)
{
	const char *a =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = c ? strchr(a, c) : NULL;

	return p ? (int)(p - a) : -1;
}

/*
 * Unfold FIELD (without its name), decode its encoded words, and check
 * every line is at most 76 characters, every word at most 75 and every
 * word's bytes whole UTF-8 characters. The decoded text; caller frees.
 */
static char *
decode(const char *field, const char *label)
{
	struct buf out = { 0 };
	const char *p = field, *line = field, *q, *end;
	unsigned char bytes[128];
	unsigned v;
	int bits, n, i;

	buf_append(&out, "", 0);
	for (q = field; *q; q++)
		if (q[0] == '\r' && q[1] == '\n') {
			if (q - line > 76) {
				printf("FAIL %s: a line of %d characters\n", label,
				    (int)(q - line));
				failures++;
			}
			if (q[2] != '\0' && q[2] != ' ') {
				printf("FAIL %s: a continuation without a space\n",
				    label);
				failures++;
			}
			line = q + 2;
		}
	while (*p) {
		if (p[0] == '\r' && p[1] == '\n') {
			p += 2;
			continue;
		}
		if (strncmp(p, "=?utf-8?B?", 10) != 0) {
			buf_putc(&out, *p++);
			continue;
		}
		end = strstr(p + 10, "?=");
		if (end == NULL || end + 2 - p > 75) {
			printf("FAIL %s: encoded word too long or open\n", label);
			failures++;
			break;
		}
		n = 0;
		v = bits = 0;
		for (q = p + 10; q < end; q++) {
			if (*q == '=')
				break;
			v = (v << 6 | (unsigned)b64val(*q)) & 0xffffff;
			if ((bits += 6) >= 8) {
				bits -= 8;
				bytes[n++] = (unsigned char)(v >> bits);
			}
		}
		if (n > 0 && (bytes[0] & 0xc0) == 0x80) {
			printf("FAIL %s: a word starts inside a character\n", label);
			failures++;
		}
		for (i = 0; i < n; i++)
			buf_putc(&out, (char)bytes[i]);
		p = end + 2;
		/* Whitespace between two encoded words is not text. */
		while (*p == '\r' || *p == '\n' || *p == ' ')
			if (strncmp(p + strspn(p, "\r\n "), "=?utf-8?B?", 10) == 0)
				p += strspn(p, "\r\n ");
			else
				break;
	}
	return buf_steal(&out);
}

static void
header(const char *value, const char *want_start)
{
	struct buf b = { 0 };
	char *text, *unfolded;
	size_t i, j;

	mime_header(&b, "Subject", value);
	CHECK(strncmp(b.data, "Subject: ", 9) == 0);
	CHECK(b.len >= 2 && strcmp(b.data + b.len - 2, "\r\n") == 0);
	if (want_start != NULL && strncmp(b.data, want_start,
	    strlen(want_start)) != 0) {
		printf("FAIL header(%s) = %s\n", value, b.data);
		failures++;
	}
	text = decode(b.data + 9, value);
	/* ASCII folding keeps the text: drop the CRLFs. */
	unfolded = xstrdup(text);
	for (i = j = 0; unfolded[i]; i++)
		if (unfolded[i] != '\r' && unfolded[i] != '\n')
			unfolded[j++] = unfolded[i];
	unfolded[j] = '\0';
	if (strcmp(unfolded, value) != 0) {
		printf("FAIL header(%s) decodes to [%s]\n", value, unfolded);
		failures++;
	}
	free(unfolded);
	free(text);
	buf_free(&b);
}

static void
mailbox(const char *in, const char *want)
{
	struct buf b = { 0 };

	mime_mailbox(&b, "From", in);
	if (strcmp(b.data, want) != 0) {
		printf("FAIL mailbox(%s)\n  got  %s  want %s", in, b.data, want);
		failures++;
	}
	buf_free(&b);
}

int
main(void)
{
	header("Uw tijdelijke wachtwoord", "Subject: Uw tijdelijke wachtwoord\r\n");
	header("Nieuwe versie beschikbaar voor DAKLOOSHEIDSMONITOR-GEMEENTE-"
	    "SUDWEST-FRYSLAN-EN-LEEUWARDEN-2026", NULL);
	header("Één rapport", "Subject: =?utf-8?B?");
	header("Nieuwe versie beschikbaar voor Súdwest-Fryslân en Leeuwarden: "
	    "op-orde rapportage ronde één, correctie twee (ÉÉN, ĳ, €, 😀)",
	    NULL);
	header("€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€€", NULL);
	mailbox("noreply@example.org", "From: noreply@example.org\r\n");
	mailbox("kluis <noreply@localhost>", "From: kluis <noreply@localhost>\r\n");
	mailbox("Gemeente Één <noreply@example.org>",
	    "From: Gemeente =?utf-8?B?w4nDqW4=?= <noreply@example.org>\r\n");
	/* A run of words that are no atoms is one encoded word, spaces inside. */
	mailbox("Súdwest-Fryslân – team <a@example.org>",
	    "From: =?utf-8?B?U8O6ZHdlc3QtRnJ5c2zDom4g4oCT?= team <a@example.org>\r\n");
	mailbox("CBS, afdeling Onderzoek <noreply@example.org>",
	    "From: \"CBS, afdeling Onderzoek\" <noreply@example.org>\r\n");
	mailbox("\"Portaal\" <p@example.org>", "From: Portaal <p@example.org>\r\n");
	/* Folded lines start with a space. */
	{
		struct buf b = { 0 };
		const char *q;

		mime_mailbox(&b, "From", "Gemeente Súdwest-Fryslân – Afdeling "
		    "Onderzoek en Statistiek en nog veel meer woorden <n@example.org>");
		for (q = b.data; (q = strstr(q, "\r\n")) != NULL; q += 2)
			CHECK(q[2] == '\0' || q[2] == ' ');
		for (q = b.data; *q; q += strcspn(q, "\n") + (q[strcspn(q, "\n")] != 0))
			CHECK(strcspn(q, "\r") <= 76);
		buf_free(&b);
	}
	printf("%s\n", failures ? "FAILED" : "ok");
	return check_done();
}
