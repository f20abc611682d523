/* html_page.c -- see html_page.h. */
#include "html_page.h"

void html_page_head(buf *b, const char *title_ko, const char *title_en, const char *site,
                    const char *style)
{
    buf_puts(b, "<!DOCTYPE html>\n<html lang=\"ko\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                "<title>");
    buf_html(b, title_ko);
    buf_puts(b, " / ");
    buf_html(b, title_en);
    if (site) {
        buf_puts(b, " - ");
        buf_html(b, site);
    }
    buf_puts(b, "</title>");
    if (style)
        buf_printf(b, "<style>%s</style>", style);
    buf_puts(b, "</head><body>\n");
}

void html_page_main(buf *b, const char *title_ko, const char *title_en)
{
    buf_puts(b, "<main>\n<h1>");
    buf_html(b, title_ko);
    buf_puts(b, "<br><span class=\"en\">");
    buf_html(b, title_en);
    buf_puts(b, "</span></h1>\n");
}

void html_page_begin(buf *b, const char *title_ko, const char *title_en, const char *site,
                     const char *style)
{
    html_page_head(b, title_ko, title_en, site, style);
    html_page_main(b, title_ko, title_en);
}

void html_page_end(buf *b)
{
    buf_puts(b, "</main>\n</body></html>\n");
}
