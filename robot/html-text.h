/* html-text.h - HTML mail turned into plain text for reading commands. */
#ifndef POCBOT_HTML_TEXT_H
#define POCBOT_HTML_TEXT_H

/* The text of html (UTF-8): tags dropped, script and style skipped, block
 * ends as line breaks, the common entities decoded. g_free it. */
char *html_to_text(const char *html);

#endif
