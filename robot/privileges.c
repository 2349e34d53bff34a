/* privileges.c - serve started as root becomes [robot] user once its
 * listener is bound: groups first (initgroups, setgid), then the uid, then
 * a check that setuid(0) fails. Returns -1 with the step that failed.
 * Input: a user name from the configuration (user_ok in config.c). */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>
#include "privileges.h"

int privileges_drop(const char *user, gboolean *unknown, char **err)
{
	struct passwd *pw;
	const char *step;

	*unknown = FALSE;
	errno = 0;
	if (!(pw = getpwnam(user))) {
		*unknown = errno == 0 || errno == ENOENT || errno == ESRCH;
		*err = g_strdup_printf("[robot] user %s: %s", user,
				       errno ? g_strerror(errno) : "no such user");
		return -1;
	}
	if (pw->pw_uid == 0) {
		*err = g_strdup_printf("[robot] user %s: is root", user);
		return -1;
	}
	if (initgroups(user, pw->pw_gid) < 0)
		step = "initgroups";
	else if (setgid(pw->pw_gid) < 0)
		step = "setgid";
	else if (setuid(pw->pw_uid) < 0)
		step = "setuid";
	else
		step = NULL;
	if (step) {
		*err = g_strdup_printf("[robot] user %s: %s: %s", user, step, g_strerror(errno));
		return -1;
	}
	if (setuid(0) == 0 || getuid() != pw->pw_uid || geteuid() != pw->pw_uid) {
		*err = g_strdup_printf("[robot] user %s: root could be taken back", user);
		return -1;
	}
	return 0;
}
