/* throttle.c: growing delays after repeated failures, per (account, address) pair, per address, and per account for browsers it does not know. */
#include <stdio.h>
#include <stdlib.h>
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

static void
clear_one(const char *kind, const char *who, const char *subject)
{
	uint8_t key[32];

	throttle_key(kind, who, subject, key);
	store_throttle_clear(kind, key);
}

/* The pair (ACCOUNT, the key of ADDR) as one subject. */
static char *
pair(const char *account, const char *addr)
{
	char key[64];

	net_addr_key(addr, key, sizeof key);
	return xasprintf("%s\n%s", account, key);
}

/*
 * throttle_wait: seconds before KIND ("pw", "otp", "validation", ...) may
 * be tried again for ACCOUNT (any string naming it, may be NULL) from ADDR
 * (may be NULL); 0 when it may be tried now. Failures slow down the pair
 * (account, address) and the address. The account's own count, summed
 * over every address, applies only when ACCOUNT_WIDE: not to a browser
 * that proved with a device cookie that it logged in to this account
 * before, so a stranger who knows only the email cannot lock its owner
 * out.
 */
int64_t
throttle_wait(const char *kind, const char *account, const char *addr,
    int account_wide)
{
	int64_t now = now_unix(), w = 0, x;
	char key[64], *p;

	if (account != NULL && addr != NULL) {
		p = pair(account, addr);
		w = wait_one(kind, "pair", p, now);
		free(p);
	}
	if (account != NULL && account_wide &&
	    (x = wait_one(kind, "account", account, now)) > w)
		w = x;
	if (addr != NULL) {
		net_addr_key(addr, key, sizeof key);
		if ((x = wait_one(kind, "addr", key, now)) > w)
			w = x;
	}
	return w;
}

/* throttle_fail: count one failure of KIND for ACCOUNT and ADDR. */
void
throttle_fail(const char *kind, const char *account, const char *addr)
{
	char key[64], *p;

	if (account != NULL) {
		fail_one(kind, "account", account, cfg.max_account_failures);
		if (addr != NULL) {
			p = pair(account, addr);
			fail_one(kind, "pair", p, cfg.max_account_failures);
			free(p);
		}
	}
	if (addr != NULL) {
		net_addr_key(addr, key, sizeof key);
		fail_one(kind, "addr", key, cfg.max_ip_failures);
	}
}

/*
 * throttle_ok: a success forgives the account's failures and those of the
 * pair (not the address's: it may be trying other accounts).
 */
void
throttle_ok(const char *kind, const char *account, const char *addr)
{
	char *p;

	clear_one(kind, "account", account);
	if (addr != NULL) {
		p = pair(account, addr);
		clear_one(kind, "pair", p);
		free(p);
	}
}

/*
 * throttle_lift: an admin lifts every delay on ACCOUNT: its own counts of
 * every kind (pairs with addresses are not findable by account; they end
 * with the next success or THROTTLE_FORGET).
 */
void
throttle_lift(const char *account)
{
	static const char *const kinds[] = { "pw", "otp", "recovery",
	    "validation", "forgot" };
	size_t i;

	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		clear_one(kinds[i], "account", account);
}

/*
 * throttle_global_wait: seconds before KIND may happen again anywhere, once
 * ALLOWANCE of them happened (with growing delays after). 0: now.
 */
int64_t
throttle_global_wait(const char *kind)
{
	return wait_one(kind, "all", "", now_unix());
}

/* throttle_global_count: one more KIND anywhere, against ALLOWANCE. */
void
throttle_global_count(const char *kind, int allowance)
{
	fail_one(kind, "all", "", allowance);
}
