/*
 * Unit tests for libkos/kern/cmdline.c: Linux command-line syntax (words,
 * key=value, quotes, "--"), the typed getters and overflow handling.
 * Expectations are written out by hand from the Linux rules.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kos/cmdline.h>
#include <uapi/errno.h>

static struct cmdline cl;

START_TEST(test_cmdline_empty_and_null)
{
	ck_assert_int_eq(cmdline_parse(&cl, ""), 0);
	ck_assert_uint_eq(cl.nparams, 0);
	ck_assert_uint_eq(cl.ninit_args, 0);
	ck_assert_int_eq(cmdline_parse(&cl, NULL), 0);
	ck_assert_uint_eq(cl.nparams, 0);
	ck_assert_int_eq(cmdline_parse(&cl, " \t\n  "), 0);
	ck_assert_uint_eq(cl.nparams, 0);
	ck_assert_ptr_null(cmdline_get(&cl, "x"));
	ck_assert(!cmdline_has(&cl, "x"));
}
END_TEST

START_TEST(test_cmdline_words_keys_values)
{
	ck_assert_int_eq(
		cmdline_parse(
			&cl,
			"  console=ttyS0,115200 quiet  init=/bin/sh\tmem=512M a=b=c e="),
		0);
	ck_assert_uint_eq(cl.nparams, 6);
	ck_assert_str_eq(cl.params[0].key, "console");
	ck_assert_str_eq(cl.params[0].value, "ttyS0,115200");
	ck_assert_str_eq(cl.params[1].key, "quiet");
	ck_assert_ptr_null(cl.params[1].value);
	ck_assert_str_eq(cl.params[2].key, "init");
	ck_assert_str_eq(cl.params[2].value, "/bin/sh");
	ck_assert_str_eq(cl.params[3].key, "mem");
	ck_assert_str_eq(cl.params[3].value, "512M");
	/* Only the first '=' splits. */
	ck_assert_str_eq(cl.params[4].key, "a");
	ck_assert_str_eq(cl.params[4].value, "b=c");
	/* "e=" has an empty value, which is not the same as none. */
	ck_assert_str_eq(cl.params[5].key, "e");
	ck_assert_str_eq(cl.params[5].value, "");
	ck_assert(cmdline_has(&cl, "quiet"));
	ck_assert_ptr_null(cmdline_get(&cl, "quiet"));
	ck_assert(!cmdline_has(&cl, "quie"));
	ck_assert(!cmdline_has(&cl, "quiets"));
	ck_assert_uint_eq(cl.ninit_args, 0);
}
END_TEST

START_TEST(test_cmdline_quotes_keep_spaces)
{
	ck_assert_int_eq(
		cmdline_parse(
			&cl,
			"init=\"/bin/sh -c 'echo hi'\" x=a\" \"b \"two words\" y=\"\""),
		0);
	ck_assert_uint_eq(cl.nparams, 4);
	ck_assert_str_eq(cmdline_get(&cl, "init"), "/bin/sh -c 'echo hi'");
	ck_assert_str_eq(cmdline_get(&cl, "x"), "a b");
	ck_assert_str_eq(cl.params[2].key, "two words");
	ck_assert_ptr_null(cl.params[2].value);
	ck_assert_str_eq(cmdline_get(&cl, "y"), "");
}
END_TEST

START_TEST(test_cmdline_quoted_equals_is_not_a_split)
{
	ck_assert_int_eq(cmdline_parse(&cl, "\"a=b\" k=\"v=w\""), 0);
	ck_assert_uint_eq(cl.nparams, 2);
	ck_assert_str_eq(cl.params[0].key, "a=b");
	ck_assert_ptr_null(cl.params[0].value);
	ck_assert_str_eq(cmdline_get(&cl, "k"), "v=w");
}
END_TEST

START_TEST(test_cmdline_unterminated_quote_runs_to_end)
{
	ck_assert_int_eq(cmdline_parse(&cl, "a=\"b c d"), 0);
	ck_assert_uint_eq(cl.nparams, 1);
	ck_assert_str_eq(cmdline_get(&cl, "a"), "b c d");
}
END_TEST

START_TEST(test_cmdline_dashes_start_init_args)
{
	ck_assert_int_eq(
		cmdline_parse(&cl, "quiet -- -c \"echo hello\" x=y -- last"),
		0);
	ck_assert_uint_eq(cl.nparams, 1);
	ck_assert_str_eq(cl.params[0].key, "quiet");
	ck_assert_uint_eq(cl.ninit_args, 5);
	ck_assert_str_eq(cl.init_args[0], "-c");
	ck_assert_str_eq(cl.init_args[1], "echo hello");
	ck_assert_str_eq(cl.init_args[2], "x=y");
	ck_assert_str_eq(cl.init_args[3], "--");
	ck_assert_str_eq(cl.init_args[4], "last");
	ck_assert(!cmdline_has(&cl, "x"));

	/* "--x" and "---" are ordinary words. */
	ck_assert_int_eq(cmdline_parse(&cl, "--x --- --=1"), 0);
	ck_assert_uint_eq(cl.nparams, 3);
	ck_assert_uint_eq(cl.ninit_args, 0);
	ck_assert_str_eq(cmdline_get(&cl, "--"), "1");

	/* A trailing lone "--" gives no init args. */
	ck_assert_int_eq(cmdline_parse(&cl, "a --"), 0);
	ck_assert_uint_eq(cl.nparams, 1);
	ck_assert_uint_eq(cl.ninit_args, 0);
}
END_TEST

START_TEST(test_cmdline_last_value_wins)
{
	ck_assert_int_eq(cmdline_parse(&cl, "loglevel=3 x loglevel=7 x=1"), 0);
	ck_assert_str_eq(cmdline_get(&cl, "loglevel"), "7");
	/* The last "x" has a value. */
	ck_assert_str_eq(cmdline_get(&cl, "x"), "1");
	ck_assert_int_eq(cmdline_parse(&cl, "x=1 x"), 0);
	ck_assert_ptr_null(cmdline_get(&cl, "x"));
	ck_assert(cmdline_has(&cl, "x"));
}
END_TEST

START_TEST(test_cmdline_get_int)
{
	ck_assert_int_eq(
		cmdline_parse(
			&cl,
			"a=42 b=-7 c=0x10 d=010 e=12abc f= g h=99999999999999999999"),
		0);
	ck_assert_int_eq(cmdline_get_int(&cl, "a", -1), 42);
	ck_assert_int_eq(cmdline_get_int(&cl, "b", -1), -7);
	ck_assert_int_eq(cmdline_get_int(&cl, "c", -1), 16);
	ck_assert_int_eq(cmdline_get_int(&cl, "d", -1), 8);
	ck_assert_int_eq(cmdline_get_int(&cl, "e", -1), -1);
	ck_assert_int_eq(cmdline_get_int(&cl, "f", -1), -1);
	ck_assert_int_eq(cmdline_get_int(&cl, "g", -1), -1);
	ck_assert_int_eq(cmdline_get_int(&cl, "missing", 5), 5);
	/* Saturates like strtoll. */
	ck_assert_int_eq(cmdline_get_int(&cl, "h", -1), 0x7fffffffffffffffLL);
}
END_TEST

START_TEST(test_cmdline_get_size_suffixes)
{
	ck_assert_int_eq(
		cmdline_parse(
			&cl,
			"a=512M b=4k c=2G d=1T e=123 f=0x10K g=5X h=-1M i=1MB j= "
			"k=17179869184G l=16777215T"),
		0);
	ck_assert_uint_eq(cmdline_get_size(&cl, "a", 1), 512ULL << 20);
	ck_assert_uint_eq(cmdline_get_size(&cl, "b", 1), 4096);
	ck_assert_uint_eq(cmdline_get_size(&cl, "c", 1), 2ULL << 30);
	ck_assert_uint_eq(cmdline_get_size(&cl, "d", 1), 1ULL << 40);
	ck_assert_uint_eq(cmdline_get_size(&cl, "e", 1), 123);
	ck_assert_uint_eq(cmdline_get_size(&cl, "f", 1), 16 * 1024);
	ck_assert_uint_eq(cmdline_get_size(&cl, "g", 1), 1);
	ck_assert_uint_eq(cmdline_get_size(&cl, "h", 1), 1);
	ck_assert_uint_eq(cmdline_get_size(&cl, "i", 1), 1);
	ck_assert_uint_eq(cmdline_get_size(&cl, "j", 1), 1);
	/* 2^34 G = 2^64: overflows. */
	ck_assert_uint_eq(cmdline_get_size(&cl, "k", 1), 1);
	ck_assert_uint_eq(cmdline_get_size(&cl, "l", 1), 16777215ULL << 40);
	ck_assert_uint_eq(cmdline_get_size(&cl, "none", 77), 77);
}
END_TEST

START_TEST(test_cmdline_list_has)
{
	ck_assert_int_eq(cmdline_parse(&cl, "debug=syscall,vm,,sched x"), 0);
	ck_assert(cmdline_list_has(&cl, "debug", "syscall"));
	ck_assert(cmdline_list_has(&cl, "debug", "vm"));
	ck_assert(cmdline_list_has(&cl, "debug", "sched"));
	ck_assert(!cmdline_list_has(&cl, "debug", "sys"));
	ck_assert(!cmdline_list_has(&cl, "debug", "vmx"));
	ck_assert(!cmdline_list_has(&cl, "debug", "sched,"));
	ck_assert(!cmdline_list_has(&cl, "x", "x"));
	ck_assert(!cmdline_list_has(&cl, "nope", "vm"));
	/* every occurrence counts, not only the last */
	ck_assert_int_eq(cmdline_parse(&cl, "debug=init debug debug=boottime"),
			 0);
	ck_assert(cmdline_list_has(&cl, "debug", "init"));
	ck_assert(cmdline_list_has(&cl, "debug", "boottime"));
	ck_assert(!cmdline_list_has(&cl, "debug", "syscall"));
}
END_TEST

START_TEST(test_cmdline_too_many_params_is_einval)
{
	char text[CMDLINE_MAX];
	size_t o = 0;

	for (int i = 0; i < CMDLINE_MAX_PARAMS + 3; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "p%d ", i);
	ck_assert_int_eq(cmdline_parse(&cl, text), -EINVAL);
	ck_assert_uint_eq(cl.nparams, CMDLINE_MAX_PARAMS);
	ck_assert_str_eq(cl.params[0].key, "p0");
	ck_assert_str_eq(cl.params[CMDLINE_MAX_PARAMS - 1].key, "p63");
}
END_TEST

START_TEST(test_cmdline_too_many_init_args_is_einval)
{
	char text[CMDLINE_MAX];
	size_t o = snprintf(text, sizeof(text), "k --");

	for (int i = 0; i < CMDLINE_MAX_INIT_ARGS + 1; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, " a%d", i);
	ck_assert_int_eq(cmdline_parse(&cl, text), -EINVAL);
	ck_assert_uint_eq(cl.ninit_args, CMDLINE_MAX_INIT_ARGS);
	ck_assert_str_eq(cl.init_args[CMDLINE_MAX_INIT_ARGS - 1], "a31");
	ck_assert_str_eq(cl.params[0].key, "k");
}
END_TEST

START_TEST(test_cmdline_too_long_is_einval)
{
	/* Exactly CMDLINE_MAX - 1 characters fits. */
	char *text = malloc(CMDLINE_MAX + 100);

	ck_assert_ptr_nonnull(text);
	memset(text, 'x', CMDLINE_MAX - 1);
	text[CMDLINE_MAX - 1] = '\0';
	text[0] = 'k';
	text[1] = '=';
	ck_assert_int_eq(cmdline_parse(&cl, text), 0);
	ck_assert_uint_eq(strlen(cmdline_get(&cl, "k")), CMDLINE_MAX - 3);

	/* One more and it does not: the word that overflows is dropped. */
	memcpy(text, "a=1 ", 4);
	memset(text + 4, 'y', CMDLINE_MAX);
	text[CMDLINE_MAX + 4] = '\0';
	ck_assert_int_eq(cmdline_parse(&cl, text), -EINVAL);
	ck_assert_uint_eq(cl.nparams, 1);
	ck_assert_str_eq(cmdline_get(&cl, "a"), "1");
	free(text);
}
END_TEST

START_TEST(test_cmdline_reparse_replaces)
{
	ck_assert_int_eq(cmdline_parse(&cl, "a=1 b -- x"), 0);
	ck_assert_int_eq(cmdline_parse(&cl, "c"), 0);
	ck_assert_uint_eq(cl.nparams, 1);
	ck_assert_uint_eq(cl.ninit_args, 0);
	ck_assert(!cmdline_has(&cl, "a"));
}
END_TEST

START_TEST(test_cmdline_global_exists)
{
	/* kos_cmdline is the kernel's; the tests may parse into it. */
	ck_assert_int_eq(cmdline_parse(&kos_cmdline, "panic=poweroff"), 0);
	ck_assert_str_eq(cmdline_get(&kos_cmdline, "panic"), "poweroff");
	ck_assert_int_eq(cmdline_parse(&kos_cmdline, ""), 0);
}
END_TEST

Suite *cmdline_suite(void)
{
	Suite *s = suite_create("cmdline");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_cmdline_empty_and_null);
	tcase_add_test(tc, test_cmdline_words_keys_values);
	tcase_add_test(tc, test_cmdline_quotes_keep_spaces);
	tcase_add_test(tc, test_cmdline_quoted_equals_is_not_a_split);
	tcase_add_test(tc, test_cmdline_unterminated_quote_runs_to_end);
	tcase_add_test(tc, test_cmdline_dashes_start_init_args);
	tcase_add_test(tc, test_cmdline_last_value_wins);
	tcase_add_test(tc, test_cmdline_get_int);
	tcase_add_test(tc, test_cmdline_get_size_suffixes);
	tcase_add_test(tc, test_cmdline_list_has);
	tcase_add_test(tc, test_cmdline_too_many_params_is_einval);
	tcase_add_test(tc, test_cmdline_too_many_init_args_is_einval);
	tcase_add_test(tc, test_cmdline_too_long_is_einval);
	tcase_add_test(tc, test_cmdline_reparse_replaces);
	tcase_add_test(tc, test_cmdline_global_exists);
	suite_add_tcase(s, tc);
	return s;
}
