/* throttle.c: growing delays after repeated failures, per account and per client address. */
#include <stdio.h>
#include <string.h>

#include "portal.h"

#define DELAY_FIRST	15		/* seconds, once the allowance is used up */
#define DELAY_MAX	900

/*
 * The key is a MAC of kind and subject: an address or an email that has no
 * account is counted exactly like one that has, and is not stored in clear.
 */
static void
throttle_key(const char *kind, const char *who, const char *subject,
    uint8_t key[32])
{
	struct buf b = { 0 };

	buf_printf(&b, "%s\n%s\n%s", kind, who, subject);
	crypto_mac("throttle", b.data, b.len, key);
	buf_free(&b);
}

static int64_t
wait_one(const char *kind, const char *who, const char *subject, int64_t now)
{
	uint8_t key[32];
	int64_t until;

	throttle_key(kind, who, subject, key);
	until = store_throttle_until(kind, key);
	return until > now ? until - now : 0;
}

static void
fail_one(const char *kind, const char *who, const char *subject,
    int allowance)
{
	uint8_t key[32];

	throttle_key(kind, who, subject, key);
	store_throttle_fail(kind, key, allowance, DELAY_FIRST, DELAY_MAX);
}

/*
 * throttle_wait: seconds before KIND ("pw", "otp", "validation") may be
 * tried again for ACCOUNT (any string naming it, may be NULL) from ADDR;
 * 0 when it may be tried now.
 */
int64_t
throttle_wait(const char *kind, const char *account, const char *addr)
{
	int64_t now = now_unix(), a = 0, b = 0;

	if (account != NULL)
		a = wait_one(kind, "account", account, now);
	if (addr != NULL)
		b = wait_one(kind, "addr", addr, now);
	return a > b ? a : b;
}

/* throttle_fail: count one failure of KIND for ACCOUNT and ADDR. */
void
throttle_fail(const char *kind, const char *account, const char *addr)
{
	if (account != NULL)
		fail_one(kind, "account", account, cfg.max_account_failures);
	if (addr != NULL)
		fail_one(kind, "addr", addr, cfg.max_ip_failures);
}

/* throttle_ok: a success forgives the account's failures (not the address's). */
void
throttle_ok(const char *kind, const char *account)
{
	uint8_t key[32];

	throttle_key(kind, "account", account, key);
	store_throttle_clear(kind, key);
}
