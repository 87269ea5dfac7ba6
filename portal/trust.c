/*
 * trust.c: device cookies (OWASP "device cookies"): a browser that
 * completed a login to an account gets a signed token bound to it, and
 * keeps logging in while strangers' failures hold the account back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

#define TRUST_TTL	(365 * 86400)

static void
trust_mac(const char *account, long long issued, char hex[65])
{
	uint8_t mac[32];
	char *msg = xasprintf("%s\n%lld", account, issued);

	crypto_mac("device-cookie", msg, strlen(msg), mac);
	crypto_hex(mac, sizeof mac, hex);
	free(msg);
}

/*
 * trust_token: the device cookie's value for ACCOUNT (the normalised
 * email), issued now: "ISSUED.MAC"; names nobody. Caller frees.
 */
char *
trust_token(const char *account)
{
	long long issued = (long long)now_unix();
	char hex[65];

	trust_mac(account, issued, hex);
	return xasprintf("%lld.%s", issued, hex);
}

/* trust_ok: 1 when VALUE is a live device cookie of ACCOUNT. */
int
trust_ok(const char *value, const char *account)
{
	char hex[65], *end;
	long long issued, now = (long long)now_unix();

	if (value == NULL || account == NULL)
		return 0;
	issued = strtoll(value, &end, 10);
	if (end == value || *end != '.' || strlen(end + 1) != 64 ||
	    issued > now + 60 || now - issued > TRUST_TTL)
		return 0;
	trust_mac(account, issued, hex);
	return crypto_streq(end + 1, hex);
}

/* trust_max_age: seconds a device cookie lives. */
int64_t
trust_max_age(void)
{
	return TRUST_TTL;
}
