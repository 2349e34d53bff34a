/* fault.h - the three classes of a failure to process a message, and the
 * robot's fault state: the one place that says "the robot cannot work
 * now" and "it works again", once each. */
#ifndef POCBOT_FAULT_H
#define POCBOT_FAULT_H

#include <glib.h>

/* Why processing a message failed.
 * FAULT_MESSAGE: the message's own (unreadable or unparsable spool file,
 *   and the like): counted towards MAX_ATTEMPTS.
 * FAULT_ROBOT: the robot's (database, disk, spool or outbox not writable;
 *   a probe that involves no message failed, probe.h): never counted,
 *   retried with backoff, resumed by itself.
 * FAULT_UNKNOWN: anything else, counted. */
enum fault_class { FAULT_MESSAGE, FAULT_ROBOT, FAULT_UNKNOWN };

const char *fault_class_name(enum fault_class c);

/* The robot's fault, shared by the threads of the daemon (it locks). A
 * fault is logged once with its cause when it starts and once when it
 * ends; retries wait FAULT_RETRY_FIRST seconds, doubling up to
 * FAULT_RETRY_MAX. */
struct fault;

/* file (may be NULL): the state file a fault is written to while it lasts
 * (a stale one is removed now and when the fault ends). */
struct fault *fault_new(const char *file);
void fault_free(struct fault *f);

/* The robot cannot work, because of cause (a probe's words, bounded when
 * logged). Logs it when the robot was working (the first cause is the one
 * told); otherwise, when the retry was due (it failed), doubles the wait
 * before the next one. Any thread may raise it, several at once. */
void fault_raise(struct fault *f, const char *cause);

/* The probe passed: logs that processing resumed, when in a fault. */
void fault_clear(struct fault *f);

/* 1 when in a fault, 0 when not. */
int fault_on(struct fault *f);

/* 1 when in a fault whose next retry is not due yet (monotonic clock). */
int fault_waiting(struct fault *f);

#endif
