/* pipeline.h - the inbound filters in the order they run. */
#ifndef POCBOT_PIPELINE_H
#define POCBOT_PIPELINE_H

#include "filters/filter.h"

/* Runs the filters over ctx until one stops or fails. VERDICT_ERROR means
 * the message must be tried again later; otherwise dispatch acts on ctx. */
enum verdict pipeline_run(struct filter_ctx *ctx);

#endif
