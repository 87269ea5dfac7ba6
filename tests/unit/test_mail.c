/* test_mail.c: unit test for mail.c: which SMTP servers are this machine (TLS may be skipped only there), and the address rule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

#include "check.h"

static void
local(const char *url, int want)
{
	char *resolve = NULL;
	int got = mail_smtp_local(url, &resolve);

	if (got != want) {
		printf("FAIL mail_smtp_local(\"%s\") = %d, want %d\n", url, got,
		    want);
		failures++;
	}
	/* What was judged is what the connection will use. */
	if (got && (resolve == NULL || (strstr(resolve, "127.") == NULL &&
	    strstr(resolve, "[::1]") == NULL))) {
		printf("FAIL mail_smtp_local(\"%s\"): resolve %s\n", url,
		    resolve ? resolve : "(none)");
		failures++;
	}
	free(resolve);
}

int
main(void)
{
	local("smtp://127.0.0.1:2525", 1);
	local("smtp://127.1.2.3", 1);
	local("smtp://localhost:25", 1);
	local("smtp://[::1]:587", 1);
	local("smtp://user:secret@127.0.0.1:25/", 1);
	local("smtp://127.mail.example:25", 0);	/* a name, not 127.x */
	local("smtp://127.0.0.1.nip.example:25", 0);
	local("smtp://0.0.0.0:25", 0);
	local("smtp://10.0.0.1:25", 0);
	local("smtp://[::ffff:10.0.0.1]:25", 0);
	local("smtp://mail.example.org:587", 0);
	local("not a url", 0);
	local("", 0);
	printf("%s\n", failures ? "FAILED" : "ok");
	return check_done();
}
