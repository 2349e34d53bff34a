/* ping-match.h - the ping matcher's own (filters/ping-match.c): what
 * it found is a struct ping_match of robot/pipeline.h, which
 * robot/ping-record.c records. */
#ifndef POCBOT_PING_MATCH_H
#define POCBOT_PING_MATCH_H

#include "../robot/pipeline.h"

void ping_match_free(struct ping_match *p);

#endif
