/*
 * conn.c: connections of the HTTP server: a deadline for each request's
 * headers counted from its first byte, requests per client address behind
 * a proxy, and the count of requests in flight that a shutdown waits for.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/tcp.h>		/* struct tcp_info with tcpi_bytes_acked */

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "portal.h"

struct conn {
	struct conn	*prev, *next;
	int		 fd;
	int64_t		 deadline;	/* monotonic ms; 0: none */
	int		 cut;		/* shut down by the reaper */
	int		 counted;	/* in its address's count */
	char		 addr[64];	/* the key of its peer's address */
};

#define ADDR_BUCKETS	1024
struct addr_count {
	struct addr_count *next;
	int		 n;
	char		 addr[64];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t tick = PTHREAD_COND_INITIALIZER;	/* wakes the reaper */
static pthread_cond_t idle = PTHREAD_COND_INITIALIZER;	/* no request in flight */
static struct conn *conns;
static struct addr_count *addrs[ADDR_BUCKETS];
static int inflight;
static int stopping;
static int reaper_started;
static pthread_t reaper;
static uint64_t ncut;

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int addr_enter(const char *);
static void addr_leave(const char *);

/*
 * conn_open: a new connection on FD: it must send its first request's
 * headers within the header deadline, counted from now (a connection that
 * sends nothing is no better than one that trickles). PEER, when not NULL,
 * is the client's address, whose connections are limited: *OVER is set
 * when this one is beyond the limit (the caller closes it). Freed by
 * conn_close.
 */
struct conn *
conn_open(int fd, const char *peer, int *over)
{
	struct conn *c = xcalloc(1, sizeof *c);

	*over = 0;
	c->fd = fd;
	if (peer != NULL) {
		net_addr_key(peer, c->addr, sizeof c->addr);
		if (addr_enter(c->addr) == 0)
			c->counted = 1;
		else
			*over = 1;
	}
	c->deadline = mono_ms() + cfg.header_timeout * 1000;
	pthread_mutex_lock(&lock);
	c->next = conns;
	if (conns != NULL)
		conns->prev = c;
	conns = c;
	pthread_mutex_unlock(&lock);
	return c;
}

/*
 * conn_acked: the bytes the peer of C has acknowledged so far (TCP_INFO):
 * what it received, whatever is still in the buffers on the way. -1 when
 * unknown (not TCP).
 */
int64_t
conn_acked(const struct conn *c)
{
	struct tcp_info ti;
	socklen_t len = sizeof ti;

	if (c == NULL || c->fd == -1)
		return -1;
	memset(&ti, 0, sizeof ti);
	if (getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1 ||
	    len < offsetof(struct tcp_info, tcpi_bytes_acked) +
	    sizeof ti.tcpi_bytes_acked)
		return -1;
	return (int64_t)ti.tcpi_bytes_acked;
}

/* conn_close: forget C; its socket is not closed yet, so never reused here. */
void
conn_close(struct conn *c)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&lock);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&lock);
	if (c->counted)
		addr_leave(c->addr);
	free(c);
}

/*
 * conn_deadline: the request on C must be answered (or its body read)
 * within SECS; 0 lifts the deadline (a response is on its way).
 */
void
conn_deadline(struct conn *c, int64_t secs)
{
	if (c == NULL)
		return;
	pthread_mutex_lock(&lock);
	c->deadline = secs > 0 ? mono_ms() + secs * 1000 : 0;
	pthread_mutex_unlock(&lock);
}

/* conn_begin: a request's headers arrived: count it as in flight. */
void
conn_begin(struct conn *c)
{
	conn_deadline(c, 0);
	pthread_mutex_lock(&lock);
	inflight++;
	pthread_mutex_unlock(&lock);
}

/*
 * conn_end: the request on C is over; the next one on the same
 * connection must send its headers within the header deadline.
 */
void
conn_end(struct conn *c)
{
	conn_deadline(c, cfg.header_timeout);
	pthread_mutex_lock(&lock);
	if (--inflight == 0)
		pthread_cond_broadcast(&idle);
	pthread_mutex_unlock(&lock);
}

static unsigned
addr_bucket(const char *addr)
{
	unsigned h = 2166136261u;

	for (; *addr; addr++)
		h = (h ^ (unsigned char)*addr) * 16777619u;
	return h % ADDR_BUCKETS;
}

/*
 * conn_addr_enter: one more request from ADDR (behind a trusted proxy);
 * 0, or -1 (nothing counted) when ADDR's key already has
 * cfg.max_conns_per_addr requests in flight.
 */
int
conn_addr_enter(const char *addr)
{
	char key[64];

	net_addr_key(addr, key, sizeof key);
	return addr_enter(key);
}

/* conn_addr_leave: the end of a request counted by conn_addr_enter. */
void
conn_addr_leave(const char *addr)
{
	char key[64];

	net_addr_key(addr, key, sizeof key);
	addr_leave(key);
}

/* One more connection or request of the address key KEY; 0, or -1. */
static int
addr_enter(const char *addr)
{
	struct addr_count **pp, *a;
	int rc = 0;

	pthread_mutex_lock(&lock);
	pp = &addrs[addr_bucket(addr)];
	for (a = *pp; a != NULL && strcmp(a->addr, addr) != 0; a = a->next)
		;
	if (a == NULL) {
		a = xcalloc(1, sizeof *a);
		snprintf(a->addr, sizeof a->addr, "%s", addr);
		a->next = *pp;
		*pp = a;
	}
	if (a->n >= cfg.max_conns_per_addr)
		rc = -1;
	else
		a->n++;
	pthread_mutex_unlock(&lock);
	return rc;
}

static void
addr_leave(const char *addr)
{
	struct addr_count **pp, *a;

	pthread_mutex_lock(&lock);
	for (pp = &addrs[addr_bucket(addr)]; (a = *pp) != NULL; pp = &a->next)
		if (strcmp(a->addr, addr) == 0)
			break;
	if (a != NULL && --a->n <= 0) {
		*pp = a->next;
		free(a);
	}
	pthread_mutex_unlock(&lock);
}

/* Cut connections past their deadline; libmicrohttpd then sees them close. */
static void *
reap(void *arg)
{
	struct timespec ts;
	struct conn *c;
	int64_t now;

	(void)arg;
	pthread_mutex_lock(&lock);
	while (!stopping) {
		now = mono_ms();
		for (c = conns; c != NULL; c = c->next) {
			if (c->deadline == 0 || c->cut || now < c->deadline ||
			    c->fd < 0)
				continue;
			shutdown(c->fd, SHUT_RDWR);
			c->cut = 1;
			ncut++;
		}
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 250 * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&tick, &lock, &ts);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* conn_start: start cutting connections past their deadline. 0, or -1. */
int
conn_start(void)
{
	stopping = 0;
	if (pthread_create(&reaper, NULL, reap, NULL) != 0)
		return -1;
	reaper_started = 1;
	return 0;
}

/*
 * conn_drain: wait until no request is in flight or GRACE seconds passed.
 * Returns the requests still running.
 */
int
conn_drain(int64_t grace)
{
	struct timespec ts;
	int n;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += grace;
	pthread_mutex_lock(&lock);
	while (inflight > 0 &&
	    pthread_cond_timedwait(&idle, &lock, &ts) != ETIMEDOUT)
		;
	n = inflight;
	pthread_mutex_unlock(&lock);
	return n;
}

/* conn_stop: stop the reaper. */
void
conn_stop(void)
{
	if (!reaper_started)
		return;
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_broadcast(&tick);
	pthread_mutex_unlock(&lock);
	pthread_join(reaper, NULL);
	reaper_started = 0;
}

/* conn_cut_count: connections cut at their deadline so far. */
uint64_t
conn_cut_count(void)
{
	uint64_t n;

	pthread_mutex_lock(&lock);
	n = ncut;
	pthread_mutex_unlock(&lock);
	return n;
}
