/*
 * stats.c: the counters behind /metrics: requests by route and status,
 * logins by result, throttles by kind, downloads and their bytes. Atomic
 * adds only, so counting costs the request path next to nothing.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

#define STATUS_MIN	100
#define STATUS_SLOTS	500	/* 100 ... 599 */

static _Atomic uint64_t counters[STAT_COUNT];
static _Atomic uint64_t *requests;	/* [route + 1][status - 100]; row 0: no route */
static int nroutes;

/* What an audit event counts as (stats_audit); one event may count twice. */
static const struct {
	const char	*event;
	enum stat_counter stat;
} audit_stats[] = {
	{ "login.ok", STAT_LOGIN_OK },
	{ "login.password", STAT_LOGIN_PASSWORD_OK },
	{ "login.fail", STAT_LOGIN_BAD_PASSWORD },
	{ "login.throttled", STAT_LOGIN_THROTTLED },
	{ "otp.fail", STAT_LOGIN_BAD_CODE },
	{ "otp.throttled", STAT_LOGIN_THROTTLED },
	{ "login.throttled", STAT_THROTTLE_LOGIN },
	{ "otp.throttled", STAT_THROTTLE_CODE },
	{ "recovery.throttled", STAT_THROTTLE_RECOVERY },
	{ "validation.throttled", STAT_THROTTLE_VALIDATION },
	{ "reset.throttled", STAT_THROTTLE_RESET },
	{ "password.throttled", STAT_THROTTLE_PASSWORD },
};

/*
 * stats_init: room for the request counters of N routes (route.c's
 * table). Call before the server starts; again only with the same N.
 */
void
stats_init(int n)
{
	if (requests != NULL)
		return;
	requests = xcalloc((size_t)(n + 1) * STATUS_SLOTS, sizeof *requests);
	nroutes = n;
}

/* stats_add: counter S grows by N. */
void
stats_add(enum stat_counter s, uint64_t n)
{
	atomic_fetch_add_explicit(&counters[s], n, memory_order_relaxed);
}

/* stats_get: counter S. */
uint64_t
stats_get(enum stat_counter s)
{
	return atomic_load_explicit(&counters[s], memory_order_relaxed);
}

static _Atomic uint64_t *
request_slot(int route, unsigned status)
{
	if (requests == NULL || route < -1 || route >= nroutes ||
	    status < STATUS_MIN || status >= STATUS_MIN + STATUS_SLOTS)
		return NULL;
	return &requests[(size_t)(route + 1) * STATUS_SLOTS + status -
	    STATUS_MIN];
}

/* stats_request: one answer with STATUS on ROUTE (its index; -1: none). */
void
stats_request(int route, unsigned status)
{
	_Atomic uint64_t *p = request_slot(route, status);

	if (p != NULL)
		atomic_fetch_add_explicit(p, 1, memory_order_relaxed);
}

/* stats_requests: the answers with STATUS on ROUTE so far. */
uint64_t
stats_requests(int route, unsigned status)
{
	_Atomic uint64_t *p = request_slot(route, status);

	return p != NULL ? atomic_load_explicit(p, memory_order_relaxed) : 0;
}

/* stats_audit: count audit EVENT when it is a login's result or a throttle's. */
void
stats_audit(const char *event)
{
	size_t i;

	for (i = 0; i < sizeof audit_stats / sizeof audit_stats[0]; i++)
		if (strcmp(event, audit_stats[i].event) == 0)
			stats_add(audit_stats[i].stat, 1);
}
