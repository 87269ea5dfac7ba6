/* notify.c: telling systemd how the service is (sd_notify): ready, reloading, stopping, its status. */
#include <stdio.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "portal.h"

/*
 * notify: send the sd_notify(3) assignments of FMT ("READY=1\nSTATUS=...")
 * to the service manager. Nothing happens without NOTIFY_SOCKET.
 */
void
notify(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	sd_notify(0, msg);
}

/* notify_reloading: RELOADING=1, with the time systemd wants beside it. */
void
notify_reloading(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	notify("RELOADING=1\nMONOTONIC_USEC=%llu\nSTATUS=reloading",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000);
}
