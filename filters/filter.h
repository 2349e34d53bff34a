/* filter.h - the inbound stages: each is a filter_fn over the context
 * robot/pipeline.h declares, run in the order robot/pipeline.c gives. */
#ifndef POCBOT_FILTER_H
#define POCBOT_FILTER_H

#include "../robot/pipeline.h"

typedef enum verdict filter_fn(struct filter_ctx *ctx);

filter_fn guard_filter;
filter_fn classify_filter;
filter_fn ping_filter;
filter_fn authenticate_filter;
filter_fn command_filter;
filter_fn authorize_filter;
filter_fn forms_filter;
filter_fn lookup_filter;

#endif
