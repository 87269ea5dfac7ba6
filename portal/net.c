/* net.c: addresses: the listening socket (a bind no second server can share), trusted proxies, the key a client address is limited by. */
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "portal.h"

/*
 * net_split: HOST and PORT of SPEC ("host:port", "1.2.3.4:port" or
 * "[v6]:port"). 0, or -1 when SPEC has no such shape.
 */
int
net_split(const char *spec, char *host, size_t hostlen, char *port,
    size_t portlen)
{
	const char *colon = strrchr(spec, ':'), *p;
	size_t n;

	if (colon == NULL || colon[1] == '\0' || strlen(colon + 1) >= portlen)
		return -1;
	for (p = colon + 1; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	n = (size_t)(colon - spec);
	if (n >= 2 && spec[0] == '[' && spec[n - 1] == ']') {
		spec++;
		n -= 2;
	} else if (memchr(spec, ':', n) != NULL)
		return -1;	/* an IPv6 address needs its brackets */
	if (n == 0 || n >= hostlen)
		return -1;
	memcpy(host, spec, n);
	host[n] = '\0';
	snprintf(port, portlen, "%s", colon + 1);
	return strtol(port, NULL, 10) > 0 && strtol(port, NULL, 10) <= 65535 ?
	    0 : -1;
}

/*
 * net_listen: a listening TCP socket for SPEC (a host name is looked up;
 * its first address that can be bound wins). SO_REUSEADDR only: a second
 * server on a taken address gets EADDRINUSE instead of sharing the port
 * as SO_REUSEPORT would let it. The socket, or -1 with the reason in ERR.
 */
int
net_listen(const char *spec, int backlog, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	char host[256], port[8];
	int fd = -1, on = 1, rc, saved = 0;

	if (net_split(spec, host, sizeof host, port, sizeof port) == -1) {
		snprintf(err, errlen, "cannot parse %s (want HOST:PORT, "
		    "ADDR:PORT or [IPV6]:PORT)", spec);
		return -1;
	}
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", host,
		    gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);
		if (fd == -1) {
			saved = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
		if (ai->ai_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    listen(fd, backlog) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		if (saved == EADDRINUSE)
			snprintf(err, errlen, "%s is already in use: is another "
			    "kluis serve (or another program) listening there?",
			    spec);
		else
			snprintf(err, errlen, "cannot listen on %s: %s", spec,
			    strerror(saved));
	}
	return fd;
}

/* One network of a CIDR list. */
struct net_cidr {
	int	 family;
	uint8_t	 addr[16];
	int	 bits;
};

static struct net_cidr *proxies;
static int nproxies;

/* Parse "ADDR" or "ADDR/BITS" into C. 0, or -1. */
static int
cidr_parse(const char *s, struct net_cidr *c)
{
	char host[64];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	char *end;
	long bits;

	if (n == 0 || n >= sizeof host)
		return -1;
	memcpy(host, s, n);
	host[n] = '\0';
	memset(c, 0, sizeof *c);
	if (inet_pton(AF_INET, host, c->addr) == 1)
		c->family = AF_INET;
	else if (inet_pton(AF_INET6, host, c->addr) == 1)
		c->family = AF_INET6;
	else
		return -1;
	c->bits = c->family == AF_INET ? 32 : 128;
	if (slash != NULL) {
		bits = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || bits < 0 ||
		    bits > c->bits)
			return -1;
		c->bits = (int)bits;
	}
	return 0;
}

/* 1 when the first BITS bits of A and B agree. */
static int
prefix_equal(const uint8_t *a, const uint8_t *b, int bits)
{
	int whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)whole) != 0)
		return 0;
	return rest == 0 ||
	    ((a[whole] ^ b[whole]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/*
 * net_proxies_set: the trusted proxies, a comma-separated list of
 * networks ("127.0.0.0/8, ::1"). 0, or -1 (the list in use stays).
 */
int
net_proxies_set(const char *list)
{
	struct net_cidr *v = NULL;
	char *copy = xstrdup(list), *p, *save = NULL;
	size_t n = 0, cap = 0;
	int rc = 0;

	for (p = strtok_r(copy, ", \t", &save); p != NULL;
	    p = strtok_r(NULL, ", \t", &save)) {
		v = xgrow(v, n, &cap, sizeof *v);
		if (cidr_parse(p, &v[n]) == -1) {
			rc = -1;
			break;
		}
		n++;
	}
	free(copy);
	if (rc == -1) {
		free(v);
		return -1;
	}
	free(proxies);
	proxies = v;
	nproxies = (int)n;
	return 0;
}

/* TEXT as one address into C (all bits). 0, or -1. */
static int
addr_parse(const char *text, struct net_cidr *c)
{
	return strchr(text, '/') == NULL ? cidr_parse(text, c) : -1;
}

/* net_is_proxy: 1 when the address TEXT is in the trusted proxies. */
int
net_is_proxy(const char *text)
{
	struct net_cidr a;
	int i;

	if (addr_parse(text, &a) == -1)
		return 0;
	for (i = 0; i < nproxies; i++)
		if (proxies[i].family == a.family &&
		    prefix_equal(proxies[i].addr, a.addr, proxies[i].bits))
			return 1;
	return 0;
}

/* net_is_addr: 1 when TEXT is an IPv4 or IPv6 address, nothing more. */
int
net_is_addr(const char *text)
{
	struct net_cidr a;

	return addr_parse(text, &a) == 0;
}

/*
 * net_addr_key: the name under which the address TEXT is limited: an IPv4
 * address itself, an IPv6 address by its first cfg.ipv6_prefix bits
 * ("2001:db8:1:2::/64"), since one home connection has a whole /64.
 * Anything else is copied as it is.
 */
void
net_addr_key(const char *text, char *out, size_t outlen)
{
	struct net_cidr a;
	char buf[INET6_ADDRSTRLEN];
	int bits = cfg.ipv6_prefix, i;

	if (addr_parse(text, &a) == -1 || a.family == AF_INET ||
	    bits >= 128) {
		snprintf(out, outlen, "%s", text);
		return;
	}
	for (i = 0; i < 16; i++) {
		if (i * 8 >= bits)
			a.addr[i] = 0;
		else if (i * 8 + 8 > bits)
			a.addr[i] &= (uint8_t)(0xff << (8 - (bits - i * 8)));
	}
	inet_ntop(AF_INET6, a.addr, buf, sizeof buf);
	snprintf(out, outlen, "%s/%d", buf, bits);
}
