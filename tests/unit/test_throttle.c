/* test_throttle.c: unit test for throttle.c on a real SQLite database: the wait starts at the allowance, grows, a success clears the account's and the pair's, device cookies spare the account-wide count. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "portal.h"

#include "check.h"

static char dir[] = "/tmp/kluis-test-throttle-XXXXXX";

/* A wait of about SECS seconds (the clock may tick during the test). */
static int
about(int64_t wait, int64_t secs)
{
	return wait >= secs - 2 && wait <= secs;
}

static void
test_grows(void)
{
	int64_t w1, w2, w3;
	int i;

	/* The allowance: free failures. */
	for (i = 0; i < cfg.max_account_failures - 1; i++) {
		throttle_fail("pw", "a@example.org", NULL);
		CHECK(throttle_wait("pw", "a@example.org", NULL, 1) == 0);
	}
	/* Then 15 s, doubling with each further failure. */
	throttle_fail("pw", "a@example.org", NULL);
	w1 = throttle_wait("pw", "a@example.org", NULL, 1);
	CHECK(about(w1, 15));
	throttle_fail("pw", "a@example.org", NULL);
	w2 = throttle_wait("pw", "a@example.org", NULL, 1);
	CHECK(about(w2, 30));
	throttle_fail("pw", "a@example.org", NULL);
	w3 = throttle_wait("pw", "a@example.org", NULL, 1);
	CHECK(about(w3, 60) && w3 > w2 && w2 > w1);
	for (i = 0; i < 20; i++)
		throttle_fail("pw", "a@example.org", NULL);
	CHECK(about(throttle_wait("pw", "a@example.org", NULL, 1), 900));
	/* Counted per kind and per account. */
	CHECK(throttle_wait("otp", "a@example.org", NULL, 1) == 0);
	CHECK(throttle_wait("pw", "b@example.org", NULL, 1) == 0);
}

static void
test_ok_clears(void)
{
	int i;

	for (i = 0; i < cfg.max_account_failures; i++)
		throttle_fail("otp", "c@example.org", "192.0.2.1");
	CHECK(throttle_wait("otp", "c@example.org", NULL, 1) > 0);
	/* The address has a larger allowance: not blocked yet. */
	CHECK(throttle_wait("otp", NULL, "192.0.2.1", 1) == 0);
	CHECK(throttle_wait("otp", "c@example.org", "192.0.2.1", 1) > 0);
	throttle_ok("otp", "c@example.org", "192.0.2.1");
	CHECK(throttle_wait("otp", "c@example.org", NULL, 1) == 0);
	CHECK(throttle_wait("otp", "c@example.org", "192.0.2.1", 1) == 0);
	/* A success forgives the account, not the address. */
	for (i = 0; i < cfg.max_ip_failures; i++)
		throttle_fail("otp", NULL, "192.0.2.2");
	CHECK(throttle_wait("otp", NULL, "192.0.2.2", 1) > 0);
	throttle_ok("otp", "d@example.org", NULL);
	CHECK(throttle_wait("otp", "d@example.org", "192.0.2.2", 1) > 0);
	/* Expiry keeps what still blocks. */
	CHECK(store_throttle_expire() == 0);
	CHECK(throttle_wait("otp", NULL, "192.0.2.2", 1) > 0);
}

/* The account's own count spares a browser it knows; the pair does not. */
static void
test_pair_and_trusted(void)
{
	int i;

	for (i = 0; i < cfg.max_account_failures; i++)
		throttle_fail("pw", "e@example.org", "192.0.2.3");
	/* The stranger's address: its pair is held back, trusted or not. */
	CHECK(throttle_wait("pw", "e@example.org", "192.0.2.3", 0) > 0);
	/* Another address: only the account-wide count holds it back. */
	CHECK(throttle_wait("pw", "e@example.org", "192.0.2.4", 1) > 0);
	CHECK(throttle_wait("pw", "e@example.org", "192.0.2.4", 0) == 0);
	/* A success from the owner's address clears the account and its pair. */
	throttle_ok("pw", "e@example.org", "192.0.2.4");
	CHECK(throttle_wait("pw", "e@example.org", "192.0.2.5", 1) == 0);
	CHECK(throttle_wait("pw", "e@example.org", "192.0.2.3", 0) > 0);
	/* IPv6: one /64 is one address. */
	cfg.ipv6_prefix = 64;
	for (i = 0; i < cfg.max_ip_failures; i++)
		throttle_fail("otp", NULL, i % 2 ? "2001:db8:0:1::1" :
		    "2001:db8:0:1:ffff::2");
	CHECK(throttle_wait("otp", NULL, "2001:db8:0:1::9", 1) > 0);
	CHECK(throttle_wait("otp", NULL, "2001:db8:0:2::1", 1) == 0);
}

/* Device cookies: bound to their account, unforgeable. */
static void
test_trust(void)
{
	char *t = trust_token("f@example.org");

	CHECK(trust_ok(t, "f@example.org"));
	CHECK(!trust_ok(t, "g@example.org"));
	t[strlen(t) - 1] = t[strlen(t) - 1] == '0' ? '1' : '0';
	CHECK(!trust_ok(t, "f@example.org"));
	CHECK(!trust_ok("", "f@example.org"));
	CHECK(!trust_ok("1.", "f@example.org"));
	CHECK(!trust_ok(NULL, "f@example.org"));
	free(t);
}

int
main(void)
{
	char *path;

	if (mkdtemp(dir) == NULL)
		fatal("mkdtemp failed");
	path = xasprintf("%s/kluis.key", dir);
	CHECK(crypto_key_load(path) == 0);
	free(path);
	path = xasprintf("%s/kluis.db", dir);
	CHECK(db_open(path) == 0);
	free(path);
	test_grows();
	test_ok_clears();
	test_pair_and_trusted();
	test_trust();
	db_thread_done();
	path = xasprintf("rm -rf '%s'", dir);
	if (system(path) != 0)
		printf("could not remove %s\n", dir);
	free(path);
	printf("%s\n", failures ? "FAILED" : "ok");
	return check_done();
}
