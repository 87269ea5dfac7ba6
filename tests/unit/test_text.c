/* test_text.c: unit test for str_text_ok and the name rules built on it: controls, text direction, broken UTF-8, file names. */
#include <stdio.h>
#include <string.h>

#include "portal.h"

#include "check.h"

static void
text(const char *s, size_t max, int nl, int want)
{
	if (str_text_ok(s, max, nl) != want) {
		printf("FAIL str_text_ok(\"");
		for (const char *p = s; *p; p++)
			printf((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f ?
			    "\\x%02x" : "%c", (unsigned char)*p);
		printf("\", %zu, %d) != %d\n", max, nl, want);
		failures++;
	}
}

int
main(void)
{
	char dev[80];

	text("Mijn telefoon", 64, 0, 1);
	text("Súdwest-Fryslân – één", 64, 0, 1);
	text("emoji \xf0\x9f\x98\x80", 64, 0, 1);
	text("", 64, 0, 0);
	text("   ", 64, 0, 0);
	text("a\nb", 64, 0, 0);
	text("a\nb", 64, 1, 1);
	text("a\rb", 64, 1, 0);
	text("a\tb", 64, 0, 0);
	text("a\x7f", 64, 0, 0);
	text("a\xc2\x85", 64, 0, 0);		/* C1: NEXT LINE */
	text("\xe2\x80\xaetxt.exe", 64, 0, 0);	/* U+202E RIGHT-TO-LEFT OVERRIDE */
	text("a\xe2\x80\xaa" "b", 64, 0, 0);	/* U+202A */
	text("a\xe2\x81\xa6" "b", 64, 0, 0);	/* U+2066 LEFT-TO-RIGHT ISOLATE */
	text("a\xe2\x81\xa9" "b", 64, 0, 0);	/* U+2069 */
	text("a\xe2\x80\x8f" "b", 64, 0, 0);	/* U+200F RIGHT-TO-LEFT MARK */
	text("a\xd8\x9c" "b", 64, 0, 0);		/* U+061C ARABIC LETTER MARK */
	text("a\xe2\x80\x8d" "b", 64, 0, 1);	/* U+200D ZERO WIDTH JOINER: emoji */
	text("\xc0\xaf", 64, 0, 0);		/* overlong "/" */
	text("\xe0\x80\xaf", 64, 0, 0);
	text("\xed\xa0\x80", 64, 0, 0);		/* a surrogate */
	text("\xf4\x90\x80\x80", 64, 0, 0);	/* past U+10FFFF */
	text("\xe2\x82", 64, 0, 0);		/* cut short */
	text("abcd", 3, 0, 0);
	CHECK(subjects_file_name_ok("op-orde.pdf"));
	CHECK(subjects_file_name_ok("rapport 2026 (één).csv"));
	CHECK(!subjects_file_name_ok("."));
	CHECK(!subjects_file_name_ok(".."));
	CHECK(!subjects_file_name_ok(" "));
	CHECK(!subjects_file_name_ok(".htaccess"));
	CHECK(!subjects_file_name_ok("a/b.txt"));
	CHECK(!subjects_file_name_ok("a\\b.txt"));
	CHECK(!subjects_file_name_ok(" lead.txt"));
	CHECK(!subjects_file_name_ok("trail.txt "));
	CHECK(!subjects_file_name_ok("\xe2\x80\xaetxt.exe"));
	snprintf(dev, sizeof dev, "  Mijn telefoon  ");
	CHECK(login_device_name_ok(dev) && strcmp(dev, "Mijn telefoon") == 0);
	snprintf(dev, sizeof dev, "\xe2\x80\xae" "enoof");
	CHECK(!login_device_name_ok(dev));
	snprintf(dev, sizeof dev, "   ");
	CHECK(!login_device_name_ok(dev));
	dev[0] = '\0';
	CHECK(account_name_ok(dev));
	snprintf(dev, sizeof dev, "Anneke \xe2\x81\xa7x");
	CHECK(!account_name_ok(dev));
	printf("%s\n", failures ? "FAILED" : "ok");
	return check_done();
}
