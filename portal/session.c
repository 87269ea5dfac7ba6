/* session.c: login sessions: random ids kept only as hashes, stages, timeouts, CSRF tokens. */
#include <stdlib.h>
#include <string.h>

#include "portal.h"

static void
session_derive(struct session *s)
{
	uint8_t mac[32];

	crypto_hex(s->id, sizeof s->id, s->cookie);
	crypto_sha256(s->id, sizeof s->id, s->hash);
	/* The CSRF token is bound to the id, so it rotates with it. */
	crypto_mac("csrf", s->id, sizeof s->id, mac);
	crypto_hex(mac, sizeof mac, s->csrf);
}

static int
session_new_id(struct session *s)
{
	if (crypto_random(s->id, sizeof s->id) == -1)
		return -1;
	session_derive(s);
	s->rotated = 1;
	return 0;
}

/* session_clear: free what S holds and forget its id. */
void
session_clear(struct session *s)
{
	free(s->flash);
	explicit_bzero(s, sizeof *s);
}

/*
 * session_load: the live session whose cookie value is COOKIE. Returns 0
 * with S filled, -1 when the cookie is none, or -2 when the database
 * failed (S cleared: nothing is known). A well-formed cookie the database
 * does not know is an anonymous session: those are never stored (a
 * crawler must not fill the database), their CSRF token is a MAC of the
 * cookie, and they may do nothing but log in. An expired session is
 * deleted and goes on as an anonymous one under the same cookie, with
 * S->ended set.
 */
int
session_load(struct session *s, const char *cookie)
{
	int64_t now = now_unix();
	int rc;

	memset(s, 0, sizeof *s);
	if (cookie == NULL || strlen(cookie) != 64 ||
	    crypto_unhex(cookie, s->id, sizeof s->id) == -1)
		return -1;
	session_derive(s);
	if ((rc = store_session_find(s->hash, s)) == -1) {
		session_clear(s);
		return -2;
	}
	if (rc == 0) {
		s->stage = STAGE_ANON;
		s->created = s->last_seen = now;
		return 0;
	}
	if (now - s->last_seen > cfg.session_idle ||
	    now - s->created > cfg.session_max) {
		store_session_delete(s->hash);
		free(s->flash);
		s->flash = NULL;
		s->return_to[0] = '\0';
		s->user_id = 0;
		s->stage = STAGE_ANON;
		s->created = s->last_seen = now;
		s->ended = 1;
		return 0;
	}
	/* Touch at most every minute (or quarter idle time): fewer writes. */
	if (now - s->last_seen >= (cfg.session_idle < 240 ?
	    cfg.session_idle / 4 : 60)) {
		store_session_touch(s->hash, now);
		s->last_seen = now;
	}
	return 0;
}

/*
 * session_start: a new anonymous session (stage STAGE_ANON), only in the
 * cookie until a login stores it. 0, or -1.
 */
int
session_start(struct session *s)
{
	free(s->flash);
	memset(s, 0, sizeof *s);
	if (session_new_id(s) == -1)
		return -1;
	s->stage = STAGE_ANON;
	s->created = s->last_seen = now_unix();
	return 0;
}

/*
 * session_advance: move S to STAGE for USER_ID under a new id (the old one
 * dies), keeping the page to return to; a message for the next page is
 * dropped. A login (from STAGE_ANON) restarts the absolute timeout. 0, or
 * -1.
 */
int
session_advance(struct session *s, int64_t user_id, int stage,
    const char *addr)
{
	uint8_t old[32];

	memcpy(old, s->hash, sizeof old);
	if (s->stage <= STAGE_ANON)
		s->created = now_unix();
	if (session_new_id(s) == -1)
		return -1;
	s->user_id = user_id;
	s->stage = stage;
	s->last_seen = now_unix();
	free(s->flash);
	s->flash = NULL;
	if (store_session_delete(old) == -1 ||
	    store_session_put(s->hash, s, addr) == -1)
		return -1;
	return 0;
}

/*
 * session_end: delete S server-side. 0, or -1 when the database would not
 * (S stays as it was: the session goes on).
 */
int
session_end(struct session *s)
{
	if (store_session_delete(s->hash) == -1)
		return -1;
	s->stage = STAGE_NONE;
	s->user_id = 0;
	return 0;
}

/* session_csrf_ok: 1 when TOKEN is S's CSRF token (constant time). */
int
session_csrf_ok(const struct session *s, const char *token)
{
	if (token == NULL || s->stage == STAGE_NONE)
		return 0;
	return crypto_streq(token, s->csrf);
}
