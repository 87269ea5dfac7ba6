/* test_route.c: unit test for route.c: 404 or 405 with Allow, captures, fixed segments before "{}", and the stage rules of the entry check. */
#include <stdlib.h>
#include <string.h>

#include "portal.h"

#include "check.h"

/* The route of PATH and METHOD, its captures freed; NULL when none, *ALLOWED set. */
static const struct route *
find(const char *path, int method, int *allowed)
{
	char *args[2] = { NULL, NULL };
	const struct route *rt = route_find(path, method, allowed, args);

	free(args[0]);
	free(args[1]);
	return rt;
}

static void
test_not_found_or_method(void)
{
	int allowed;

	CHECK(find("/nowhere", HTTP_GET, &allowed) == NULL && allowed == 0);
	CHECK(route_allow(0) == NULL);
	/* The path exists with other methods: 405 and the Allow header. */
	CHECK(find("/logout", HTTP_GET, &allowed) == NULL && allowed == 2);
	CHECK(strcmp(route_allow(allowed), "POST") == 0);
	CHECK(find("/healthz", HTTP_POST, &allowed) == NULL && allowed == 1);
	CHECK(strcmp(route_allow(allowed), "GET, HEAD") == 0);
	CHECK(find("/login", HTTP_OTHER, &allowed) == NULL && allowed == 3);
	CHECK(strcmp(route_allow(allowed), "GET, HEAD, POST") == 0);
	/* HEAD is answered by the GET route. */
	CHECK(find("/login", HTTP_HEAD, &allowed) == find("/login", HTTP_GET,
	    &allowed) && find("/login", HTTP_HEAD, &allowed) != NULL);
	/* "{}" is one non-empty segment, and a pattern matches all of the path. */
	CHECK(find("/subjects/", HTTP_GET, &allowed) == NULL && allowed == 0);
	CHECK(find("/subjects/a/b", HTTP_GET, &allowed) == NULL &&
	    allowed == 0);
	CHECK(find("/loginx", HTTP_GET, &allowed) == NULL && allowed == 0);
	CHECK(find("/login/", HTTP_GET, &allowed) == NULL && allowed == 0);
}

static void
test_captures(void)
{
	char *args[2] = { NULL, NULL };
	const struct route *rt;
	int allowed;

	rt = route_find("/admin/subjects/DakMon/grants/42/revoke", HTTP_POST,
	    &allowed, args);
	CHECK(rt != NULL && rt->handler == page_admin_grant_revoke);
	CHECK(args[0] != NULL && strcmp(args[0], "DakMon") == 0);
	CHECK(args[1] != NULL && strcmp(args[1], "42") == 0);
	free(args[0]);
	free(args[1]);
	args[0] = args[1] = NULL;
	/* A path that exists with another method captures nothing. */
	CHECK(route_find("/subjects/DakMon", HTTP_POST, &allowed, args) ==
	    NULL && allowed == 1 && args[0] == NULL);
	rt = route_find("/files/7", HTTP_GET, &allowed, args);
	CHECK(rt != NULL && rt->handler == page_subject_file &&
	    strcmp(args[0], "7") == 0 && args[1] == NULL);
	free(args[0]);
	args[0] = NULL;
	/* "{}.zip": the start of a segment that ends so, before plain "{}". */
	rt = route_find("/subjects/DakMon.zip", HTTP_GET, &allowed, args);
	CHECK(rt != NULL && rt->handler == page_subject_zip &&
	    strcmp(args[0], "DakMon") == 0);
	free(args[0]);
	args[0] = NULL;
	rt = route_find("/subjects/a.zip.zip", HTTP_GET, &allowed, args);
	CHECK(rt != NULL && rt->handler == page_subject_zip &&
	    strcmp(args[0], "a.zip") == 0);
	free(args[0]);
	args[0] = NULL;
	rt = route_find("/subjects/.zip", HTTP_GET, &allowed, args);
	CHECK(rt != NULL && rt->handler == page_subject && args[0] != NULL &&
	    strcmp(args[0], ".zip") == 0);
	free(args[0]);
	args[0] = NULL;
	rt = route_find("/subjects/DakMon.zipx", HTTP_GET, &allowed, args);
	CHECK(rt != NULL && rt->handler == page_subject);
	free(args[0]);
	args[0] = NULL;
	CHECK(route_find("/subjects/DakMon.zip", HTTP_POST, &allowed, args) ==
	    NULL && allowed == 1);
	CHECK(find("/subjects/DakMon.zip/x", HTTP_GET, &allowed) == NULL);
}

/* A fixed segment wins over "{}": the table lists it first. */
static void
test_fixed_before_capture(void)
{
	char *args[2] = { NULL, NULL };
	const struct route *rt;
	int allowed;

	rt = route_find("/admin/users/new", HTTP_GET, &allowed, args);
	CHECK(rt != NULL && rt->handler == page_admin_user_new &&
	    args[0] == NULL);
	rt = route_find("/admin/users/17", HTTP_GET, &allowed, args);
	CHECK(rt != NULL && rt->handler == page_admin_user &&
	    args[0] != NULL && strcmp(args[0], "17") == 0);
	free(args[0]);
	args[0] = NULL;
	rt = route_find("/reset/verify", HTTP_GET, &allowed, args);
	CHECK(rt != NULL && rt->handler == page_reset_verify && args[0] == NULL);
	rt = route_find("/reset/password", HTTP_GET, &allowed, args);
	CHECK(rt != NULL && rt->handler == page_reset_password &&
	    args[0] == NULL);
	rt = route_find("/reset/0123abcd", HTTP_GET, &allowed, args);
	CHECK(rt != NULL && rt->handler == page_reset && args[0] != NULL);
	free(args[0]);
}

/* Which stage reaches which route. */
static void
test_stages(void)
{
	static const char *const in_only[] = { "/", "/account",
	    "/subjects/x", "/files/1", "/admin/users" };
	static const int stages[] = { STAGE_ANON, STAGE_ENROL, STAGE_PASSWORD,
	    STAGE_OTP, STAGE_IN, STAGE_RESET, STAGE_RESET_PW,
	    STAGE_PASSWORD_IN };
	const struct route *rt;
	size_t i, j;
	int allowed;

	for (i = 0; i < sizeof in_only / sizeof in_only[0]; i++) {
		rt = find(in_only[i], HTTP_GET, &allowed);
		CHECK(rt != NULL && rt->stages == STAGE_BIT(STAGE_IN));
	}
	CHECK(find("/healthz", HTTP_GET, &allowed)->stages == 0);
	CHECK(find("/static/kluis.css", HTTP_GET, &allowed)->stages == 0);
	rt = find("/login", HTTP_GET, &allowed);
	CHECK((rt->stages & STAGE_BIT(STAGE_ANON)) &&
	    (rt->stages & STAGE_BIT(STAGE_IN)) == 0);
	rt = find("/otp", HTTP_POST, &allowed);
	CHECK(rt->stages == STAGE_BIT(STAGE_OTP));
	rt = find("/enrol", HTTP_POST, &allowed);
	CHECK(rt->stages == STAGE_BIT(STAGE_ENROL));
	rt = find("/password", HTTP_POST, &allowed);
	CHECK(rt->stages == (STAGE_BIT(STAGE_PASSWORD) |
	    STAGE_BIT(STAGE_PASSWORD_IN)));
	rt = find("/reset/password", HTTP_POST, &allowed);
	CHECK(rt->stages == STAGE_BIT(STAGE_RESET_PW));
	CHECK(find("/admin/users", HTTP_GET, &allowed)->admin);
	CHECK(!find("/account", HTTP_GET, &allowed)->admin);
	/* The page a stage is sent to takes that stage, in every stage. */
	for (j = 0; j < sizeof stages / sizeof stages[0]; j++) {
		rt = find(route_stage_home(stages[j]), HTTP_GET, &allowed);
		CHECK(rt != NULL && (rt->stages & STAGE_BIT(stages[j])));
	}
	CHECK(strcmp(route_stage_home(STAGE_NONE), "/login") == 0);
	CHECK(strcmp(route_stage_home(STAGE_PASSWORD_IN), "/password") == 0);
}

/* The entry check's rules, in their order. */
static void
test_verdict(void)
{
	const struct route *account, *login, *otp_post, *admin, *health;
	int allowed;

	account = find("/account", HTTP_GET, &allowed);
	login = find("/login", HTTP_GET, &allowed);
	otp_post = find("/otp", HTTP_POST, &allowed);
	admin = find("/admin/users", HTTP_GET, &allowed);
	health = find("/healthz", HTTP_GET, &allowed);

	CHECK(route_verdict(health, HTTP_GET, STAGE_NONE, 0, 0, 0) == ROUTE_OK);
	/* No session. */
	CHECK(route_verdict(account, HTTP_GET, STAGE_NONE, 0, 1, 0) ==
	    ROUTE_LOGIN);
	CHECK(route_verdict(login, HTTP_GET, STAGE_NONE, 0, 1, 0) ==
	    ROUTE_START);
	CHECK(route_verdict(otp_post, HTTP_POST, STAGE_NONE, 1, 1, 0) ==
	    ROUTE_FORBIDDEN);
	/* A POST needs the token, before anything else is looked at. */
	CHECK(route_verdict(otp_post, HTTP_POST, STAGE_OTP, 0, 1, 0) ==
	    ROUTE_FORBIDDEN);
	CHECK(route_verdict(otp_post, HTTP_POST, STAGE_OTP, 0, 0, 0) ==
	    ROUTE_FORBIDDEN);
	CHECK(route_verdict(otp_post, HTTP_POST, STAGE_OTP, 1, 1, 0) ==
	    ROUTE_OK);
	/* The account is gone or disabled. */
	CHECK(route_verdict(account, HTTP_GET, STAGE_IN, 0, 0, 0) ==
	    ROUTE_USER_GONE);
	/* A stage the route does not take. */
	CHECK(route_verdict(account, HTTP_GET, STAGE_OTP, 0, 1, 0) ==
	    ROUTE_STAGE);
	CHECK(route_verdict(otp_post, HTTP_POST, STAGE_IN, 1, 1, 0) ==
	    ROUTE_STAGE);
	CHECK(route_verdict(login, HTTP_GET, STAGE_IN, 0, 1, 0) ==
	    ROUTE_STAGE);
	CHECK(route_verdict(account, HTTP_GET, STAGE_IN, 0, 1, 0) == ROUTE_OK);
	/* The console: only admins, and only fully logged in. */
	CHECK(route_verdict(admin, HTTP_GET, STAGE_IN, 0, 1, 0) ==
	    ROUTE_NOT_FOUND);
	CHECK(route_verdict(admin, HTTP_GET, STAGE_IN, 0, 1, 1) == ROUTE_OK);
	CHECK(route_verdict(admin, HTTP_GET, STAGE_OTP, 0, 1, 1) ==
	    ROUTE_STAGE);
}

int
main(void)
{
	test_not_found_or_method();
	test_captures();
	test_fixed_before_capture();
	test_stages();
	test_verdict();
	printf("%s\n", failures ? "FAILED" : "ok");
	return check_done();
}
