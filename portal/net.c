/* net.c: the listening socket: ADDR:PORT parsing and a bind no second server can share. */
#include <sys/socket.h>
#include <sys/types.h>
#include <netinet/in.h>

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
