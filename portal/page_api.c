/* page_api.c: /api/v1: what researchers' scripts read with a personal access token. */
#include <stdlib.h>

#include <microhttpd.h>

#include "portal.h"

static int
by_id(const void *a, const void *b)
{
	const struct pubfile *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* The code of subject ID among the N of S. */
static const char *
code_of(const struct subject *s, int n, int64_t id)
{
	int i;

	for (i = 0; i < n; i++)
		if (s[i].id == id)
			return s[i].code;
	return "";
}

/*
 * GET /api/v1/files (api-tokens, Authorization: Bearer only): every file
 * the token may download, oldest first, as
 * {"files": [{"id", "name", "subject", "size", "sha256", "published",
 * "superseded"}, ...]}: the files of the token's subjects that are still
 * granted to its owner, published to them, live and not expired, each
 * with whether a newer version of its report is there for them.
 */
int
page_api_files(struct req *r)
{
	struct subject *subj;
	struct pubfile *all = NULL, *f;
	struct buf b = { 0 };
	char when[32];
	size_t cap = 0;
	int ns, nf, n = 0, i, k;

	if (!cfg.api_tokens)
		return http_not_found(r);
	if (r->token.id <= 0)
		return http_token_refused(r, MHD_HTTP_UNAUTHORIZED,
		    "token_required", 0);
	if ((ns = store_token_subjects(r->token.id, &subj)) < 0)
		return http_unavailable(r);
	for (i = 0; i < ns; i++) {
		if ((nf = store_file_list_for_user(r->user.id, subj[i].id,
		    now_unix(), &f)) < 0) {
			store_free(all, n);
			store_free(subj, ns);
			return http_unavailable(r);
		}
		for (k = 0; k < nf; k++) {
			all = xgrow(all, (size_t)n, &cap, sizeof *all);
			all[n++] = f[k];
		}
		free(f);	/* its rows' strings moved into ALL */
	}
	qsort(all, (size_t)n, sizeof *all, by_id);
	buf_puts(&b, "{\"files\":[");
	for (i = 0; i < n; i++) {
		buf_puts(&b, i ? ",{" : "{");
		json_member(&b, "id", 1);
		buf_printf(&b, "%lld", (long long)all[i].id);
		json_member(&b, "name", 0);
		json_string(&b, all[i].name);
		json_member(&b, "subject", 0);
		json_string(&b, code_of(subj, ns, all[i].subject_id));
		json_member(&b, "size", 0);
		buf_printf(&b, "%llu", (unsigned long long)all[i].size);
		json_member(&b, "sha256", 0);
		json_string(&b, all[i].sha256);
		json_member(&b, "published", 0);
		time_format(all[i].published, TIME_ISO, when, sizeof when);
		json_string(&b, when);
		json_member(&b, "superseded", 0);
		buf_puts(&b, all[i].superseded ? "true" : "false");
		buf_putc(&b, '}');
	}
	buf_puts(&b, "]}");
	store_free(all, n);
	store_free(subj, ns);
	return http_json(r, MHD_HTTP_OK, &b);
}
