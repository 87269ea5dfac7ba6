/* route.c: the one table of routes: method, path pattern, handler, the stage it needs. */
#include <string.h>

#include "portal.h"

#define ANON		STAGE_BIT(STAGE_ANON)
#define ENROL		STAGE_BIT(STAGE_ENROL)
#define PASSWORD	STAGE_BIT(STAGE_PASSWORD)
#define OTP		STAGE_BIT(STAGE_OTP)
#define IN		STAGE_BIT(STAGE_IN)
#define RESET		(STAGE_BIT(STAGE_RESET) | STAGE_BIT(STAGE_RESET_PW))
#define NEWPASS		(PASSWORD | STAGE_BIT(STAGE_PASSWORD_IN))
#define ANY_LOGIN	(ANON | ENROL | NEWPASS | OTP | RESET)
#define ANY_SESSION	(ANY_LOGIN | IN)

#define GET(p, h, s)	{ .method = HTTP_GET, .pattern = p, .handler = h, .stages = s }
#define POST(p, h, s)	{ .method = HTTP_POST, .pattern = p, .handler = h, .stages = s }
/* Hashes a password (argon2id): runs on the hash pool. */
#define HPOST(p, h, s)	{ .method = HTTP_POST, .pattern = p, .handler = h, .stages = s, .pool = 1 }
#define AHPOST(p, h)	{ .method = HTTP_POST, .pattern = p, .handler = h, .stages = IN, .admin = 1, .pool = 1 }
/* Admin console: logged in with the admin role; anyone else gets 404. */
#define AGET(p, h)	{ .method = HTTP_GET, .pattern = p, .handler = h, .stages = IN, .admin = 1 }
/* A file to save: never where a login ends (?next=). */
#define SAVED(p, h, a)	{ .method = HTTP_GET, .pattern = p, .handler = h, .stages = IN, .admin = a, .saved = 1 }
#define APOST(p, h)	{ .method = HTTP_POST, .pattern = p, .handler = h, .stages = IN, .admin = 1 }

/*
 * The map of the site: one line a route, grouped by area; a handler
 * page_X lives in page_X.c (or the page_*.c its name starts with). Order
 * matters only where a "{}" could match a fixed segment: the fixed one
 * comes first ("new" before "{}", "verify" before "{}").
 */
static const struct route routes[] = {
	/* What anyone may fetch. */
	GET("/healthz", page_healthz, 0),
	GET("/readyz", page_readyz, 0),
	GET("/static/{}", page_static, 0),
	GET("/logo", page_static_logo, 0),	/* the organisation's, --logo */
	GET("/lang", page_lang, ANY_SESSION),	/* remembers it for a known user */

	/* Logging in: password, first phone, new password, code, logout. */
	GET("/login", page_login, ANY_LOGIN),
	HPOST("/login", page_login_post, ANY_LOGIN),
	GET("/enrol", page_enrol, ENROL),
	GET("/enrol/qr.svg", page_enrol_qr, ENROL),
	POST("/enrol", page_enrol_post, ENROL),
	GET("/password", page_password, NEWPASS),
	HPOST("/password", page_password_post, NEWPASS),
	GET("/otp", page_otp, OTP),
	POST("/otp", page_otp_post, OTP),
	GET("/otp/recovery", page_otp_recovery, OTP),
	POST("/otp/recovery", page_otp_recovery_post, OTP),
	GET("/otp/lost", page_otp_lost, OTP),
	POST("/otp/lost", page_reset_request_post, OTP),	/* ask an admin */
	POST("/logout", page_logout_post, ANY_SESSION),

	/* A forgotten password: a mailed link, the second factor, a new password. */
	GET("/forgot", page_forgot, ANY_LOGIN),
	POST("/forgot", page_forgot_post, ANY_LOGIN),
	GET("/forgot/sent", page_forgot_sent, ANY_LOGIN),
	GET("/reset", page_reset, ANY_LOGIN),
	HPOST("/reset", page_reset_post, ANY_LOGIN),
	GET("/reset/verify", page_reset_verify, STAGE_BIT(STAGE_RESET)),
	POST("/reset/verify", page_reset_verify_post, STAGE_BIT(STAGE_RESET)),
	POST("/reset/request", page_reset_request_post, STAGE_BIT(STAGE_RESET)),
	GET("/reset/requested", page_reset_requested, ANY_LOGIN),
	GET("/reset/password", page_reset_password, STAGE_BIT(STAGE_RESET_PW)),
	HPOST("/reset/password", page_reset_password_post,
	    STAGE_BIT(STAGE_RESET_PW)),
	/* The token in the path: the logs show the pattern. */
	{ .method = HTTP_GET, .pattern = "/reset/{}", .handler = page_reset,
	  .stages = ANY_LOGIN, .secret = 1 },

	/* Logged in: the home page, subjects and their files. */
	GET("/", page_home, IN),
	/* Before "{}"; the bytes sent are recorded when the response ends. */
	{ .method = HTTP_GET, .pattern = "/subjects/{}.zip",
	  .handler = page_subject_zip, .stages = IN,
	  .cleanup = page_subject_zip_done, .download = 1 },
	GET("/subjects/{}", page_subject, IN),
	POST("/subjects/{}/unlock", page_subject_unlock, IN),
	/*
	 * The bytes sent are recorded when the response ends. With
	 * api-tokens, a bearer token instead of the session (the only two
	 * routes where one counts).
	 */
	{ .method = HTTP_GET, .pattern = "/files/{}", .handler = page_subject_file,
	  .stages = IN, .cleanup = page_subject_file_done, .download = 1,
	  .bearer = 1 },
	{ .method = HTTP_GET, .pattern = "/api/v1/files",
	  .handler = page_api_files, .bearer = 1 },

	/* Logged in: the account: phones, password, recovery codes. */
	GET("/account", page_account, IN),
	GET("/account/add", page_account_add, IN),
	HPOST("/account/add", page_account_add_post, IN),
	GET("/account/devices/{}/remove", page_account_remove, IN),
	POST("/account/devices/{}/remove", page_account_remove_post, IN),
	HPOST("/account/password", page_account_password_post, IN),
	GET("/account/tokens", page_account_tokens, IN),
	HPOST("/account/tokens", page_account_tokens_post, IN),
	GET("/account/tokens/new", page_account_tokens_new, IN),
	POST("/account/tokens/{}/revoke", page_account_tokens_revoke, IN),
	GET("/account/recovery", page_account_recovery, IN),
	HPOST("/account/recovery", page_account_recovery_post, IN),
	GET("/account/recovery/codes", page_account_recovery_codes, IN),
	SAVED("/account/recovery/codes.txt", page_account_recovery_text, 0),
	POST("/account/recovery/done", page_account_recovery_done, IN),

	/* The admin console: accounts. */
	AGET("/admin", page_admin_user_list),
	AGET("/admin/users", page_admin_user_list),
	AGET("/admin/users/new", page_admin_user_new),
	AHPOST("/admin/users", page_admin_user_create),
	AGET("/admin/users/{}", page_admin_user),
	APOST("/admin/users/{}/edit", page_admin_user_edit),
	AGET("/admin/users/{}/resend", page_admin_user_resend),	/* asks */
	AHPOST("/admin/users/{}/resend", page_admin_user_resend),
	AGET("/admin/users/{}/disable", page_admin_user_disable),
	APOST("/admin/users/{}/disable", page_admin_user_disable),
	APOST("/admin/users/{}/enable", page_admin_user_enable),
	APOST("/admin/users/{}/unlock", page_admin_user_unlock),
	AGET("/admin/users/{}/delete", page_admin_user_delete),
	APOST("/admin/users/{}/delete", page_admin_user_delete),
	SAVED("/admin/users/{}/export", page_admin_user_export, 1),	/* JSON */

	/* The admin console: authenticator resets and requests for one. */
	AGET("/admin/users/{}/reset-otp", page_admin_reset_otp),
	AHPOST("/admin/users/{}/reset-otp", page_admin_reset_otp),
	APOST("/admin/users/{}/refuse", page_admin_reset_refuse),

	/* The admin console: subjects, grants, files. */
	AGET("/admin/subjects", page_admin_subject_list),
	APOST("/admin/subjects", page_admin_subject_create),
	AGET("/admin/subjects/{}", page_admin_subject),
	APOST("/admin/subjects/{}/edit", page_admin_subject_edit),
	APOST("/admin/users/{}/grant", page_admin_grant_user),
	APOST("/admin/subjects/{}/grant", page_admin_grant_subject),
	APOST("/admin/subjects/{}/grants/{}/resend", page_admin_grant_resend),
	AGET("/admin/subjects/{}/grants/{}/revoke", page_admin_grant_revoke),
	APOST("/admin/subjects/{}/grants/{}/revoke", page_admin_grant_revoke),
	{ .method = HTTP_POST, .pattern = "/admin/subjects/{}/upload",
	  .handler = page_admin_file_upload, .stages = IN, .admin = 1,
	  .max_body = ROUTE_MAX_UPLOAD, .upload = page_admin_file_upload_chunk,
	  .cleanup = page_admin_file_upload_cleanup },
	AGET("/admin/files/{}", page_admin_file),
	AGET("/admin/files/{}/unpublish", page_admin_file_unpublish),
	APOST("/admin/files/{}/unpublish", page_admin_file_unpublish),

	/* The admin console: the audit log. */
	AGET("/admin/audit", page_admin_audit),
	SAVED("/admin/audit.csv", page_admin_audit_csv, 1),
};

/*
 * match: PATH against PATTERN, where "{}" stands for one non-empty segment,
 * or, followed by more of the segment ("{}.zip"), for a non-empty start of
 * a segment that ends so; copied into ARGS (caller frees) on a match. 1 on
 * a match, else 0.
 */
static int
match(const char *pattern, const char *path, char *args[2], int capture)
{
	const char *p = pattern, *s = path, *end;
	size_t fix;
	int n = 0;

	while (*p != '\0') {
		if (p[0] == '{' && p[1] == '}') {
			/* What follows in the segment ("{}.zip"): its end. */
			p += 2;
			fix = strcspn(p, "/");
			end = strchr(s, '/');
			if (end == NULL)
				end = s + strlen(s);
			if ((size_t)(end - s) <= fix || n == 2 ||
			    strncmp(end - fix, p, fix) != 0)
				return 0;
			if (capture)
				args[n] = strndup(s, (size_t)(end - s) - fix);
			n++;
			s = end;
			p += fix;
			continue;
		}
		if (*p++ != *s++)
			return 0;
	}
	return *s == '\0';
}

/*
 * route_find: the route for PATH and METHOD, with its "{}" segments in ARGS
 * (caller frees). NULL when none; then *ALLOWED is 1 when the path exists
 * for GET only, 2 for POST only, 3 for both, 0 when it does not exist.
 */
const struct route *
route_find(const char *path, int method, int *allowed, char *args[2])
{
	size_t i;
	int m = method == HTTP_HEAD ? HTTP_GET : method;

	*allowed = 0;
	for (i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		if (!match(routes[i].pattern, path, args, 0))
			continue;
		if (routes[i].method == m) {
			match(routes[i].pattern, path, args, 1);
			return &routes[i];
		}
		*allowed |= routes[i].method == HTTP_GET ? 1 : 2;
	}
	return NULL;
}

/* route_allow: the Allow header of a 405 for ALLOWED from route_find (1, 2, 3), or NULL. */
const char *
route_allow(int allowed)
{
	static const char *const allow[] = { NULL, "GET, HEAD", "POST",
	    "GET, HEAD, POST" };

	return allowed >= 1 && allowed <= 3 ? allow[allowed] : NULL;
}

/* route_stage_home: the page a session in STAGE is sent to when it asks for another. */
const char *
route_stage_home(int stage)
{
	switch (stage) {
	case STAGE_ENROL:
		return "/enrol";
	case STAGE_PASSWORD:
	case STAGE_PASSWORD_IN:
		return "/password";
	case STAGE_OTP:
		return "/otp";
	case STAGE_IN:
		return "/";
	case STAGE_RESET:
		return "/reset/verify";
	case STAGE_RESET_PW:
		return "/reset/password";
	default:
		return "/login";
	}
}

/*
 * route_verdict: the entry check of a request for RT by METHOD, from what
 * is known of its session: STAGE (STAGE_NONE: none, or a dead one),
 * CSRF_OK (its csrf field is the session's token), USER_OK (the session's
 * account exists and is enabled, or it has none), ADMIN (that account is
 * an admin). In this order: a route without stages is open; without a
 * session a POST is refused, a page for anonymous visitors starts one, any
 * other goes to /login; a POST needs the CSRF token; a gone or disabled
 * account goes to /login; a stage the route does not take goes to the page
 * of its stage; the console answers 404 to anyone but an admin.
 */
int
route_verdict(const struct route *rt, int method, int stage, int csrf_ok,
    int user_ok, int admin)
{
	if (rt->stages == 0)
		return ROUTE_OK;
	if (stage == STAGE_NONE)
		return method == HTTP_POST ? ROUTE_FORBIDDEN :
		    rt->stages & STAGE_BIT(STAGE_ANON) ? ROUTE_START : ROUTE_LOGIN;
	if (method == HTTP_POST && !csrf_ok)
		return ROUTE_FORBIDDEN;
	if (!user_ok)
		return ROUTE_USER_GONE;
	if ((rt->stages & STAGE_BIT(stage)) == 0)
		return ROUTE_STAGE;
	if (rt->admin && !admin)
		return ROUTE_NOT_FOUND;
	return ROUTE_OK;
}

/* route_count: the routes in the table. */
int
route_count(void)
{
	return (int)(sizeof routes / sizeof routes[0]);
}

/* route_at: route I of the table (0 to route_count() - 1). */
const struct route *
route_at(int i)
{
	return &routes[i];
}

/* route_index: RT's place in the table, or -1 for NULL. */
int
route_index(const struct route *rt)
{
	return rt != NULL ? (int)(rt - routes) : -1;
}
