/* wake.c: the worker's doorbell: whoever queues work for the background rings it. */
#include <pthread.h>
#include <time.h>

#include "portal.h"

static pthread_mutex_t	mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t	cond = PTHREAD_COND_INITIALIZER;
static int		rung;

/* wake_up: the worker looks at its queues now, not at its next round. */
void
wake_up(void)
{
	pthread_mutex_lock(&mtx);
	rung = 1;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&mtx);
}

/* wake_wait: wait until wake_up, or SECONDS; a ring since the last wait returns at once. */
void
wake_wait(int seconds)
{
	struct timespec ts;

	pthread_mutex_lock(&mtx);
	if (!rung) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += seconds;
		pthread_cond_timedwait(&cond, &mtx, &ts);
	}
	rung = 0;
	pthread_mutex_unlock(&mtx);
}
