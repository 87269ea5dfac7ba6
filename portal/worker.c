/* worker.c: the background thread of the server: "forgot" requests, mail delivery, housekeeping, retention, CRC-32s of old content. */
#include <pthread.h>
#include <stdatomic.h>

#include "portal.h"

#define HOUSEKEEPING	60	/* seconds between two rounds of it */
#define RETENTION	3600	/* seconds between two rounds of retention */

static pthread_t	thread;
static int		running;
static atomic_int	stopping;

static void *
worker_loop(void *arg)
{
	int64_t last_house = 0, last_retention = 0, crc_after = 0;

	(void)arg;
	while (!atomic_load(&stopping)) {
		db_recheck();
		reset_run();	/* may queue reset links: before delivery */
		mail_deliver();
		if (now_unix() - last_house >= HOUSEKEEPING) {
			store_session_expire(cfg.session_idle, cfg.session_max);
			store_throttle_expire();
			last_house = now_unix();
		}
		if (now_unix() - last_retention >= RETENTION) {
			retention_run(now_unix(), NULL);
			last_retention = now_unix();
			crc_after = 0;	/* once an hour, what failed before */
		}
		/* Content from before CRCs were stored: one file a round. */
		if (publish_crc_backfill(&crc_after) == 1)
			continue;
		wake_wait(1);
	}
	db_thread_done();
	return NULL;
}

/* worker_start: the background thread. 0, or -1. */
int
worker_start(void)
{
	atomic_store(&stopping, 0);
	if (pthread_create(&thread, NULL, worker_loop, NULL) != 0)
		return -1;
	running = 1;
	return 0;
}

/* worker_stop: end the background thread after its current round. */
void
worker_stop(void)
{
	if (!running)
		return;
	atomic_store(&stopping, 1);
	wake_up();
	pthread_join(thread, NULL);
	running = 0;
}
