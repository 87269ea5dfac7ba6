/*
 * mime.c: mail header fields as RFC 5322 and RFC 2047 want them: folded
 * lines, non-ASCII text in encoded words of whole characters, display
 * names quoted or encoded.
 */
#include <stdlib.h>
#include <string.h>

#include "portal.h"

#define LINE_MAX_CHARS	76	/* a line with encoded words (RFC 2047 2) */
#define WORD_BYTES	39	/* UTF-8 bytes per encoded word: 52 base64 chars */

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int
is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

static void
base64(struct buf *b, const unsigned char *s, size_t n)
{
	size_t i;
	uint32_t v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
		buf_putc(b, b64[v >> 18 & 63]);
		buf_putc(b, b64[v >> 12 & 63]);
		buf_putc(b, b64[v >> 6 & 63]);
		buf_putc(b, b64[v & 63]);
	}
	if (n - i == 1) {
		v = (uint32_t)s[i] << 16;
		buf_putc(b, b64[v >> 18 & 63]);
		buf_putc(b, b64[v >> 12 & 63]);
		buf_puts(b, "==");
	} else if (n - i == 2) {
		v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8;
		buf_putc(b, b64[v >> 18 & 63]);
		buf_putc(b, b64[v >> 12 & 63]);
		buf_putc(b, b64[v >> 6 & 63]);
		buf_putc(b, '=');
	}
}

/*
 * Encoded words ("=?utf-8?B?...?=") for S, each of at most WORD_BYTES
 * bytes of whole UTF-8 characters, separated by a folding CRLF SP.
 */
static void
encoded_words(struct buf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), take;

	while (n > 0) {
		take = n < WORD_BYTES ? n : WORD_BYTES;
		/* Never split a character: back up to the start of one. */
		while (take < n && take > 0 && (p[take] & 0xc0) == 0x80)
			take--;
		if (take == 0)
			take = n < WORD_BYTES ? n : WORD_BYTES;
		buf_puts(b, "=?utf-8?B?");
		base64(b, p, take);
		buf_puts(b, "?=");
		p += take;
		n -= take;
		if (n > 0)
			buf_puts(b, "\r\n ");
	}
}

/*
 * ASCII text folded at spaces so that no line passes LINE_MAX_CHARS when
 * it can be helped; COL is where the text starts on the first line.
 */
static void
folded(struct buf *b, const char *s, size_t col)
{
	const char *word, *sp;
	size_t n;

	for (word = s; *word != '\0'; word = sp) {
		sp = strchr(word + 1, ' ');
		if (sp == NULL)
			sp = word + strlen(word);
		n = (size_t)(sp - word);
		if (word != s && col + n > LINE_MAX_CHARS) {
			buf_puts(b, "\r\n");	/* the space starts the next line */
			col = 0;
		}
		buf_append(b, word, n);
		col += n;
	}
}

/*
 * mime_header: the field "NAME: VALUE" with its CRLF: plain ASCII folded
 * at spaces, anything else as RFC 2047 encoded words. VALUE must hold no
 * control characters (mail_compose checks).
 */
void
mime_header(struct buf *b, const char *name, const char *value)
{
	buf_printf(b, "%s: ", name);
	if (is_ascii(value))
		folded(b, value, strlen(name) + 2);
	else
		encoded_words(b, value);
	buf_puts(b, "\r\n");
}


/* The length of the last line in B after offset START. */
static size_t
column(const struct buf *b, size_t start)
{
	size_t i;

	for (i = b->len; i > start; i--)
		if (b->data[i - 1] == '\n')
			return b->len - i;
	return b->len - start;
}

/* 1 when the N bytes at S are one atom (RFC 5322 3.2.3): ASCII atext. */
static int
atom(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80 || (unsigned char)s[i] <= 0x20 ||
		    strchr("()<>[]:;@\\,.\"", s[i]) != NULL)
			return 0;
	return n > 0;
}

/* 1 when every space-separated word of S is an atom. */
static int
atom_words(const char *s)
{
	const char *w = s, *e;

	for (;;) {
		while (*w == ' ')
			w++;
		if (*w == '\0')
			return 1;
		for (e = w; *e != '\0' && *e != ' '; e++)
			;
		if (!atom(w, (size_t)(e - w)))
			return 0;
		w = e;
	}
}

/*
 * A display name as a phrase: words that are atoms stay readable, each
 * run of other words becomes encoded words with the spaces inside the run
 * encoded too (the space between two encoded words is not text, the space
 * between an encoded word and an atom is). Folded between words.
 */
static void
phrase(struct buf *b, const char *s, size_t start)
{
	const char *w = s, *e, *run;
	char *text;

	while (*w == ' ')
		w++;
	while (*w != '\0') {
		for (e = w; *e != '\0' && *e != ' '; e++)
			;
		if (atom(w, (size_t)(e - w))) {
			buf_append(b, w, (size_t)(e - w));
		} else {
			/* The run: up to the next atom or the end. */
			run = w;
			for (;;) {
				const char *n = e, *ne;

				while (*n == ' ')
					n++;
				for (ne = n; *ne != '\0' && *ne != ' '; ne++)
					;
				if (*n == '\0' || atom(n, (size_t)(ne - n)))
					break;
				e = ne;
			}
			text = xasprintf("%.*s", (int)(e - run), run);
			encoded_words(b, text);
			free(text);
		}
		for (w = e; *w == ' '; w++)
			;
		/* Fold between words, before a line grows too long. */
		if (*w != '\0')
			buf_puts(b, column(b, start) > LINE_MAX_CHARS - 20 ?
			    "\r\n " : " ");
	}
}

/*
 * mime_mailbox: the field NAME with the mailbox MAILBOX, "Display Name
 * <addr>" or a bare address: a non-ASCII display name as encoded words,
 * an ASCII one quoted when it holds specials.
 */
void
mime_mailbox(struct buf *b, const char *name, const char *mailbox)
{
	const char *lt = strrchr(mailbox, '<');
	char display[512];
	size_t n, start;
	const char *p;

	if (lt == NULL || strchr(lt, '>') == NULL) {
		buf_printf(b, "%s: %s\r\n", name, mailbox);
		return;
	}
	n = (size_t)(lt - mailbox);
	while (n > 0 && mailbox[n - 1] == ' ')
		n--;
	if (n >= sizeof display)
		n = sizeof display - 1;
	memcpy(display, mailbox, n);
	display[n] = '\0';
	/* A display name already in quotes: its text. */
	if (n >= 2 && display[0] == '"' && display[n - 1] == '"') {
		memmove(display, display + 1, n - 2);
		display[n - 2] = '\0';
	}
	start = b->len;
	buf_printf(b, "%s: ", name);
	if (display[0] == '\0')
		;
	else if (!is_ascii(display))
		phrase(b, display, start);
	else if (atom_words(display))
		buf_puts(b, display);
	else {
		buf_putc(b, '"');
		for (p = display; *p; p++) {
			if (*p == '"' || *p == '\\')
				buf_putc(b, '\\');
			buf_putc(b, *p);
		}
		buf_putc(b, '"');
	}
	if (display[0] != '\0')
		buf_puts(b, column(b, start) + 1 + strlen(lt) > LINE_MAX_CHARS ?
		    "\r\n " : " ");
	buf_puts(b, lt);
	buf_puts(b, "\r\n");
}
