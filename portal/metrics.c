/*
 * metrics.c: the monitoring listener (--metrics-listen), a daemon of its
 * own on its own socket, never the public one: Prometheus text at
 * /metrics, and /readyz and /healthz as on the public port.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "portal.h"

#define METRICS_CONNECTIONS	32
#define TEXT_FORMAT	"text/plain; version=0.0.4; charset=utf-8"

static struct MHD_Daemon *metrics_daemon;

/* A counter or gauge with labels: the HELP and TYPE lines, once. */
static void
head(struct buf *b, const char *name, const char *type, const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A labelled counter: one line per label of a family. */
struct labelled {
	enum stat_counter stat;
	const char	*label;
};

static const struct labelled logins[] = {
	{ STAT_LOGIN_OK, "ok" },
	{ STAT_LOGIN_PASSWORD_OK, "password_ok" },
	{ STAT_LOGIN_BAD_PASSWORD, "bad_password" },
	{ STAT_LOGIN_BAD_CODE, "bad_code" },
	{ STAT_LOGIN_THROTTLED, "throttled" },
}, throttles[] = {
	{ STAT_THROTTLE_LOGIN, "login" },
	{ STAT_THROTTLE_CODE, "code" },
	{ STAT_THROTTLE_RECOVERY, "recovery" },
	{ STAT_THROTTLE_VALIDATION, "validation" },
	{ STAT_THROTTLE_RESET, "reset" },
	{ STAT_THROTTLE_PASSWORD, "password" },
	{ STAT_THROTTLE_HASH_QUEUE, "hash_queue" },
	{ STAT_THROTTLE_ADDRESS, "address" },
}, downloads[] = {
	{ STAT_DOWNLOADS, "whole" },
	{ STAT_DOWNLOADS_CUT, "cut" },
};

/* The counter family NAME: its HELP and TYPE, then a line per label KEY of T. */
static void
family(struct buf *b, const char *name, const char *key, const char *help,
    const struct labelled *t, size_t n)
{
	size_t i;

	head(b, name, "counter", help);
	for (i = 0; i < n; i++)
		buf_printf(b, "%s{%s=\"%s\"} %llu\n", name, key, t[i].label,
		    (unsigned long long)stats_get(t[i].stat));
}

#define FAMILY(b, name, key, help, t) \
	family(b, name, key, help, t, sizeof t / sizeof t[0])

/* metrics_text: the Prometheus text exposition of every metric into B. */
static void
metrics_text(struct buf *b)
{
	const struct route *rt;
	char why[256];
	int64_t oldest, depth, now = now_unix();
	uint64_t n;
	unsigned st;
	int r;

	head(b, "kluis_build_info", "gauge", "The running kluis.");
	buf_printf(b, "kluis_build_info{version=\"%s\"} 1\n", KLUIS_VERSION);
	head(b, "kluis_ready", "gauge", "1 when /readyz answers 200.");
	buf_printf(b, "kluis_ready %d\n", health_ready(why, sizeof why) == 0);

	head(b, "kluis_http_requests_total", "counter", "Answers by route "
	    "(its pattern; other: no route), method and status.");
	for (r = -1; r < route_count(); r++) {
		rt = r >= 0 ? route_at(r) : NULL;
		for (st = 100; st < 600; st++) {
			if ((n = stats_requests(r, st)) == 0)
				continue;
			buf_printf(b, "kluis_http_requests_total{route=\"%s\","
			    "method=\"%s\",status=\"%u\"} %llu\n",
			    rt ? rt->pattern : "other", rt == NULL ? "" :
			    rt->method == HTTP_POST ? "POST" : "GET", st,
			    (unsigned long long)n);
		}
	}
	FAMILY(b, "kluis_logins_total", "result", "Login steps by result: ok "
	    "(logged in), password_ok, bad_password, bad_code, throttled.",
	    logins);
	FAMILY(b, "kluis_throttled_total", "kind", "Requests refused by a "
	    "throttle or limit, by kind.", throttles);
	FAMILY(b, "kluis_downloads_total", "result", "Downloads (200 and 206 "
	    "on /files/{}): whole, or cut short.", downloads);
	head(b, "kluis_download_bytes_total", "counter", "Bytes of downloads "
	    "sent.");
	buf_printf(b, "kluis_download_bytes_total %llu\n",
	    (unsigned long long)stats_get(STAT_DOWNLOAD_BYTES));

	depth = store_mail_pending(&oldest);
	head(b, "kluis_mail_queue_depth", "gauge", "Messages not delivered "
	    "yet.");
	buf_printf(b, "kluis_mail_queue_depth %lld\n", (long long)(depth > 0 ?
	    depth : 0));
	head(b, "kluis_mail_queue_oldest_seconds", "gauge", "How long the "
	    "oldest undelivered message has waited (0: none).");
	buf_printf(b, "kluis_mail_queue_oldest_seconds %lld\n",
	    (long long)(depth > 0 && oldest > 0 && now > oldest ? now - oldest :
	    0));
	head(b, "kluis_hash_queue_depth", "gauge", "Password hashes waiting "
	    "or running.");
	buf_printf(b, "kluis_hash_queue_depth %d\n", pool_depth());
	head(b, "kluis_connections_open", "gauge", "Open connections of the "
	    "public listener.");
	buf_printf(b, "kluis_connections_open %d\n", http_connections());
	head(b, "kluis_connections_cut_total", "counter", "Connections cut "
	    "because a request's headers missed the header deadline.");
	buf_printf(b, "kluis_connections_cut_total %llu\n",
	    (unsigned long long)conn_cut_count());
}

static enum MHD_Result
answer(struct MHD_Connection *c, unsigned status, const char *type,
    char *body, size_t len)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (resp == NULL) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
metrics_cb(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload_data,
    size_t *upload_data_size, void **con_cls)
{
	static int seen;
	struct buf b = { 0 };
	char why[256];
	size_t len;

	(void)cls;
	(void)version;
	(void)upload_data;
	if (*con_cls == NULL) {		/* the headers: answer once all is in */
		*con_cls = &seen;
		return MHD_YES;
	}
	if (*upload_data_size != 0) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return answer(c, MHD_HTTP_METHOD_NOT_ALLOWED, TEXT_FORMAT,
		    xstrdup("GET only\n"), 9);
	if (strcmp(url, "/metrics") == 0) {
		metrics_text(&b);
		len = b.len;
		return answer(c, MHD_HTTP_OK, TEXT_FORMAT, buf_steal(&b), len);
	}
	if (strcmp(url, "/readyz") == 0) {
		int rc = health_ready(why, sizeof why);

		return answer(c, rc == 0 ? MHD_HTTP_OK :
		    MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; charset=utf-8",
		    xasprintf("%s\n", why), strlen(why) + 1);
	}
	if (strcmp(url, "/healthz") == 0) {
		int ok = db_ping() == 0;

		return answer(c, ok ? MHD_HTTP_OK : MHD_HTTP_SERVICE_UNAVAILABLE,
		    "text/plain; charset=utf-8", xstrdup(ok ? "ok\n" :
		    "database unavailable\n"), ok ? 3 : 21);
	}
	return answer(c, MHD_HTTP_NOT_FOUND, "text/plain; charset=utf-8",
	    xstrdup("not found\n"), 10);
}

/* metrics_start: listen on cfg.metrics_listen, when set. 0, or -1 (logged). */
int
metrics_start(void)
{
	char err[512];
	int fd;

	if (cfg.metrics_listen == NULL)
		return 0;
	if ((fd = net_listen(cfg.metrics_listen, 64, err, sizeof err)) == -1) {
		logmsg(LOG_ERR, "metrics: %s", err);
		return -1;
	}
	metrics_daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD |
	    MHD_USE_ERROR_LOG, 0, NULL, NULL, metrics_cb, NULL,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_CONNECTIONS,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
	    MHD_OPTION_END);
	if (metrics_daemon == NULL) {
		logmsg(LOG_ERR, "metrics: cannot serve on %s", cfg.metrics_listen);
		close(fd);
		return -1;
	}
	logmsg(LOG_INFO, "metrics on http://%s/metrics", cfg.metrics_listen);
	return 0;
}

/* metrics_stop: close the monitoring listener. */
void
metrics_stop(void)
{
	if (metrics_daemon != NULL)
		MHD_stop_daemon(metrics_daemon);
	metrics_daemon = NULL;
}
