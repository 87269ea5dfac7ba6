/* page_home.c: /: the page a fully logged-in user lands on, with their subjects. */
#include <microhttpd.h>

#include "portal.h"

/*
 * The user's granted subjects as the list "subjects" in V (code, title,
 * description, files: the reports, new: how many of them the user did
 * not download yet, unlocked). 0, or -1.
 */
static int
subjects_vars(struct req *r, struct tmpl_vars *v)
{
	struct subject *list;
	struct tmpl_vars *item;
	int n, i;

	if ((n = store_subject_list_of_user(r->user.id, &list)) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		item = tv_add(v, "subjects");
		tv_set(item, "code", list[i].code);
		tv_set(item, "title", list[i].title);
		tv_set(item, "description", list[i].description);
		tv_setf(item, "files", "%lld", (long long)list[i].nfiles);
		if (list[i].has_new > 0)
			tv_setf(item, "new", "%d", list[i].has_new);
		else
			tv_set(item, "new", "");
		tv_set(item, "unlocked", store_unlock_until(r->sess.hash,
		    list[i].id) > now_unix() ? "1" : "");
	}
	store_free(list, n);
	return 0;
}

int
page_home(struct req *r)
{
	struct tmpl_vars *v = tv_new();

	tv_set(v, "name", r->user.name && *r->user.name ? r->user.name :
	    r->user.email);
	/* Nothing to log in with once the phone is lost: say so. */
	if (store_recovery_count(r->user.id) == 0)
		tv_set(v, "no_recovery", "1");
	if (subjects_vars(r, v) == -1) {
		tv_free(v);
		return http_internal(r);
	}
	return http_page(r, MHD_HTTP_OK, "home", v);
}
