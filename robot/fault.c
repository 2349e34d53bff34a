/* fault.c - the robot's fault state (fault.h): one cause at a time, logged
 * when it starts and when it ends, and the backoff between retries.
 * Input: the probes' causes (the robot's own words, bounded in the log).
 * A fault is also written to the daemon's state file (VAR/fault, for
 * pocbot status) while it lasts; that write may fail with the disk, which
 * changes nothing else. Cannot fail. */
#include <glib/gstdio.h>
#include "fault.h"
#include "limits.h"
#include "log.h"

struct fault {
	GMutex lock;
	char *file;		/* the state file, or NULL */
	char *cause;		/* NULL when the robot works */
	gint64 since;		/* monotonic, microseconds */
	gint64 next_try;	/* monotonic, microseconds */
	int delay;		/* seconds before the next retry */
};

static const char *const class_names[] = { "message", "robot", "unknown" };
G_STATIC_ASSERT(G_N_ELEMENTS(class_names) == FAULT_UNKNOWN + 1);

const char *fault_class_name(enum fault_class c)
{
	g_assert((unsigned)c < G_N_ELEMENTS(class_names));
	return class_names[c];
}

struct fault *fault_new(const char *file)
{
	struct fault *f = g_new0(struct fault, 1);

	g_mutex_init(&f->lock);
	f->file = g_strdup(file);
	if (file)
		g_unlink(file);	/* a dead daemon's */
	return f;
}

/* The state file while a fault lasts: the wall-clock start, a space, the
 * cause. */
static void write_state(struct fault *f, const char *cause)
{
	char *text;

	if (!f->file)
		return;
	text = g_strdup_printf("%" G_GINT64_FORMAT " %.300s\n", g_get_real_time() / G_USEC_PER_SEC,
			       cause);
	g_file_set_contents(f->file, text, -1, NULL);
	g_free(text);
}

void fault_free(struct fault *f)
{
	if (!f)
		return;
	g_mutex_clear(&f->lock);
	if (f->file)
		g_unlink(f->file);
	g_free(f->file);
	g_free(f->cause);
	g_free(f);
}

void fault_raise(struct fault *f, const char *cause)
{
	gint64 now = g_get_monotonic_time();

	g_mutex_lock(&f->lock);
	if (!f->cause) {
		f->cause = g_strdup(cause);
		f->since = now;
		f->delay = FAULT_RETRY_FIRST;
		log_msg(LOG_ERR, "robot fault: %.200s; processing waits, retried every %d to %d s",
			cause, FAULT_RETRY_FIRST, FAULT_RETRY_MAX);
		write_state(f, cause);
	} else if (now >= f->next_try) {	/* a due retry failed: not both threads' */
		f->delay = MIN(f->delay * 2, FAULT_RETRY_MAX);
	} else {
		g_mutex_unlock(&f->lock);
		return;
	}
	f->next_try = now + (gint64)f->delay * G_USEC_PER_SEC;
	g_mutex_unlock(&f->lock);
}

void fault_clear(struct fault *f)
{
	g_mutex_lock(&f->lock);
	if (f->cause) {
		log_msg(LOG_NOTICE, "robot fault over after %" G_GINT64_FORMAT " s: resumed",
			(g_get_monotonic_time() - f->since) / G_USEC_PER_SEC);
		g_clear_pointer(&f->cause, g_free);
		if (f->file)
			g_unlink(f->file);
	}
	g_mutex_unlock(&f->lock);
}

int fault_on(struct fault *f)
{
	int on;

	g_mutex_lock(&f->lock);
	on = f->cause != NULL;
	g_mutex_unlock(&f->lock);
	return on;
}

int fault_waiting(struct fault *f)
{
	int waiting;

	g_mutex_lock(&f->lock);
	waiting = f->cause && g_get_monotonic_time() < f->next_try;
	g_mutex_unlock(&f->lock);
	return waiting;
}
