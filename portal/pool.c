/*
 * pool.c: a bounded pool of threads for slow work (argon2id password
 * hashing), so the HTTP threads keep serving pages and downloads. The
 * queue is bounded, and one key (a client address) may hold only a few
 * places in it, so one address cannot fill it for everyone.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "portal.h"

struct job {
	struct job	*next;
	void		(*fn)(void *);
	void		*arg;
	char		 key[48];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t more = PTHREAD_COND_INITIALIZER;
static struct job *head, *tail;
static pthread_t *threads;
static int nthreads;
static int queued, running, queue_max, per_key_max;
static int stopping;

/* Queued or running jobs with KEY; the lock is held. */
static int
key_count(const char *key)
{
	struct job *j;
	int n = 0;

	for (j = head; j != NULL; j = j->next)
		if (strcmp(j->key, key) == 0)
			n++;
	return n;
}

static void *
work(void *arg)
{
	struct job *j;

	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		while (head == NULL && !stopping)
			pthread_cond_wait(&more, &lock);
		if (head == NULL)
			break;
		j = head;
		if ((head = j->next) == NULL)
			tail = NULL;
		queued--;
		running++;
		pthread_mutex_unlock(&lock);
		db_recheck();
		j->fn(j->arg);
		free(j);
		pthread_mutex_lock(&lock);
		running--;
	}
	pthread_mutex_unlock(&lock);
	db_thread_done();
	return NULL;
}

/*
 * pool_start: N threads, a queue of at most QMAX jobs, at most PER_KEY of
 * them with the same key. 0, or -1.
 */
int
pool_start(int n, int qmax, int per_key)
{
	int i;

	stopping = 0;
	queue_max = qmax;
	per_key_max = per_key;
	threads = xcalloc((size_t)n, sizeof *threads);
	for (i = 0; i < n; i++) {
		if (pthread_create(&threads[i], NULL, work, NULL) != 0) {
			pool_stop();
			return -1;
		}
		nthreads++;
	}
	return 0;
}

/*
 * pool_submit: run FN(ARG) on a pool thread. 0, or -1 when the queue is
 * full or KEY already holds its share of it (nothing queued then).
 */
int
pool_submit(void (*fn)(void *), void *arg, const char *key)
{
	struct job *j;

	pthread_mutex_lock(&lock);
	if (stopping || nthreads == 0 || queued >= queue_max ||
	    key_count(key) >= per_key_max) {
		pthread_mutex_unlock(&lock);
		return -1;
	}
	j = xcalloc(1, sizeof *j);
	j->fn = fn;
	j->arg = arg;
	snprintf(j->key, sizeof j->key, "%s", key);
	if (tail != NULL)
		tail->next = j;
	else
		head = j;
	tail = j;
	queued++;
	pthread_cond_signal(&more);
	pthread_mutex_unlock(&lock);
	return 0;
}

/* pool_depth: jobs waiting plus jobs running. */
int
pool_depth(void)
{
	int n;

	pthread_mutex_lock(&lock);
	n = queued + running;
	pthread_mutex_unlock(&lock);
	return n;
}

/* pool_stop: run what is queued, then end the threads. */
void
pool_stop(void)
{
	int i;

	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_broadcast(&more);
	pthread_mutex_unlock(&lock);
	for (i = 0; i < nthreads; i++)
		pthread_join(threads[i], NULL);
	free(threads);
	threads = NULL;
	nthreads = 0;
}
