/* Unit tests for html_seen.c: what a reader sees of HTML, and where each
 * character came from. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "html_seen.h"

/* html as seen, as a string (what the tests give is short). */
static const char *seen(const char *html)
{
    static char out[256];
    uint32_t from[256];
    size_t n = html_seen(html, strlen(html), out, from);

    out[n] = '\0';
    return out;
}

static void tags_go_and_blocks_part(void **state)
{
    (void)state;
    assert_string_equal(seen("<b>800101</b>-1234567"), "800101-1234567");
    assert_string_equal(seen("8001<span class=\"a>b\">01</span>"), "800101");
    assert_string_equal(seen("800101<br>1234567"), "800101 1234567");
    assert_string_equal(seen("<td>800101</td><TD>1234567</TD>"), " 800101  1234567 ");
    assert_string_equal(seen("a<!-- <b> 123 -->b"), "ab");
    assert_string_equal(seen("<a href='x>y'>link</a>"), "link");
    assert_string_equal(seen("text <unfinished 800101"), "text ");
    assert_string_equal(seen("1 < 2 > 0"), "1 < 2 > 0");
    assert_string_equal(seen("1 <2"), "1 <2");
}

static void references_are_decoded(void **state)
{
    (void)state;
    assert_string_equal(seen("800101&#45;1234567"), "800101-1234567");
    assert_string_equal(seen("&#x38;00101&#X2d;1234567"), "800101-1234567");
    assert_string_equal(seen("a&amp;b&lt;&nbsp;&#160;&eacute;&#8211;"), "a&b<  xx");
    assert_string_equal(seen("AT&T & co;"), "AT&T & co;");
    assert_string_equal(seen("&;&#;&#x;&#99999999999;"), "&;xxx");
}

static void each_character_knows_its_place(void **state)
{
    static const char html[] = "<b>8</b>&#45;9";
    char out[32];
    uint32_t from[32];
    (void)state;

    assert_int_equal(html_seen(html, strlen(html), out, from), 3);
    assert_memory_equal(out, "8-9", 3);
    assert_int_equal(from[0], 3);
    assert_int_equal(from[1], 8);
    assert_int_equal(from[2], 13);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tags_go_and_blocks_part),
        cmocka_unit_test(references_are_decoded),
        cmocka_unit_test(each_character_knows_its_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
