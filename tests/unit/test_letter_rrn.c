/* Unit tests for letter_rrn.c: a run of digits the letter's text shows
 * and its page does not is found; one the page shows was judged when the
 * document was rendered. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "letter_rrn.h"
#include "letter_text.h"

#define TODAY 20261207

static int added(const char *html, const char *text)
{
    return letter_rrn_added(html, strlen(html), text, strlen(text), TODAY);
}

/* The letter prints a link's target after its text: a tel: number the
 * page never shows. */
static void a_run_only_the_letter_shows_is_found(void **state)
{
    const char *html = "<p><a href=\"tel:850315-1234566\">전화</a></p>";
    char err[128];
    buf text;
    (void)state;

    buf_init(&text, 64);
    assert_int_equal(letter_text_from_html(html, strlen(html), &text, err, sizeof err), 0);
    assert_string_equal(text.data, "전화 (850315-1234566)");
    assert_int_equal(added(html, text.data), 1);
    assert_int_equal(added(html, "전화 (8503151234566)"), 1);
    buf_free(&text);
}

static void a_run_the_page_shows_too_is_left_to_the_render(void **state)
{
    (void)state;
    assert_int_equal(added("<p>No. 850315-1234566</p>", "No. 850315-1234566"), 0);
    /* as the page shows it: across a tag, or in the title */
    assert_int_equal(added("<p>850315<b>-1234566</b></p>", "850315-1234566"), 0);
    assert_int_equal(added("<title>850315-1234566</title><p>x</p>", "850315-1234566 x"), 0);
}

static void digits_that_are_no_rrn_are_not_found(void **state)
{
    (void)state;
    assert_int_equal(added("<p>x</p>", "계좌 123-456-7890123"), 0);
    assert_int_equal(added("<p>x</p>", "851315-1234566"), 0); /* no 13th month */
    assert_int_equal(added("<p>x</p>", ""), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_run_only_the_letter_shows_is_found),
        cmocka_unit_test(a_run_the_page_shows_too_is_left_to_the_render),
        cmocka_unit_test(digits_that_are_no_rrn_are_not_found),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
