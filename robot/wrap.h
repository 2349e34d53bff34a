/* wrap.h - fills a paragraph to a width, for text the robot inserts. */
#ifndef POCBOT_WRAP_H
#define POCBOT_WRAP_H

/* text filled to width columns (East Asian wide characters count two):
 * breaks at spaces, and between wide characters where a line has no
 * space. Existing line breaks are kept. g_free it. */
char *wrap_text(const char *text, int width);

#endif
