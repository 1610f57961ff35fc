/*
 * tether-logon: the leader of one multi-user Tether session, as sshd's and login's session
 * process is of theirs. The keeper (root, one process for every session of every user) starts it
 * on the session's terminal, instead of the program, with an empty environment.
 *
 * PAM session modules act on the process that calls them: pam_limits sets its rlimits and
 * priority, pam_systemd registers it with logind as the session's leader, pam_loginuid sets its
 * audit login uid, pam_keyinit its keyring. So the PAM session of a log-on must be opened by a
 * process of that log-on alone, whose child the program then is: this one. It
 *
 *   1. as root: initgroups, then (unless SERVICE is "-") pam_start(SERVICE, USER),
 *      pam_setcred(ESTABLISH), pam_open_session, with PAM_TTY and PAM_RHOST set;
 *   2. forks the program: its own process group, the terminal's foreground one, the account's
 *      gid and uid, default signals, parent-death signal SIGHUP, in HOME (else /), with PAM's
 *      environment under the one the keeper gave;
 *   3. waits for it, closes the PAM session, and ends as it ended (same exit code or signal).
 *
 * It stays the terminal's session leader, so the keeper's signals to the session reach the
 * program as before; it ignores the hang-up and termination signals itself (the program gets them
 * too) so that it outlives the program and closes the PAM session.
 *
 * Status: fd 3 is close-on-exec for the program; EOF on it means the program was started, text
 * on it ("CODE sentence", CODE a Tether result code) says why not; this process then exits 126.
 *
 * Usage (argv only: nothing reaches this root process through its environment):
 *   tether-logon SERVICE|- USER UID GID HOME TTY RHOST N NAME=VALUE... PROGRAM ARG...
 *
 * libpam.so.0 is loaded with dlopen, so neither PAM's headers nor libpam-dev are needed to build.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define STATUS_FD 3
#define REFUSED 126

/* The part of <security/pam_appl.h> used here (Linux-PAM's ABI). */
typedef struct pam_handle pam_handle_t;
struct pam_message { int msg_style; const char *msg; };
struct pam_response { char *resp; int resp_retcode; };
struct pam_conv {
    int (*conv)(int, const struct pam_message **, struct pam_response **, void *);
    void *appdata_ptr;
};
#define PAM_SUCCESS 0
#define PAM_CONV_ERR 19
#define PAM_TTY 3
#define PAM_RHOST 4
#define PAM_ESTABLISH_CRED 0x2
#define PAM_DELETE_CRED 0x4
#define PAM_ERROR_MSG 3
#define PAM_TEXT_INFO 4

static int (*pam_start_)(const char *, const char *, const struct pam_conv *, pam_handle_t **);
static int (*pam_set_item_)(pam_handle_t *, int, const void *);
static int (*pam_setcred_)(pam_handle_t *, int);
static int (*pam_open_session_)(pam_handle_t *, int);
static int (*pam_close_session_)(pam_handle_t *, int);
static char **(*pam_getenvlist_)(pam_handle_t *);
static int (*pam_end_)(pam_handle_t *, int);
static const char *(*pam_strerror_)(pam_handle_t *, int);

static const int IGNORED[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU};
#define IGNORED_COUNT (sizeof IGNORED / sizeof IGNORED[0])

/* Says why the log-on failed, on the status pipe, as "CODE sentence", and ends this process. */
static void refuse(const char *code, const char *format, ...) {
    char text[1024];
    int n = snprintf(text, sizeof text, "%s ", code);
    va_list args;
    va_start(args, format);
    n += vsnprintf(text + n, sizeof text - (size_t) n, format, args);
    va_end(args);
    if (n > 0) {
        ssize_t ignored = write(STATUS_FD, text, (size_t) n < sizeof text ? (size_t) n : sizeof text - 1);
        (void) ignored;
    }
    _exit(REFUSED);
}

/* Session modules may only inform (pam_motd, pam_mail, pam_lastlog): shown on the terminal. Prompts are refused. */
static int conversation(int count, const struct pam_message **messages, struct pam_response **responses, void *unused) {
    (void) unused;
    *responses = NULL;
    if (count <= 0) {
        return PAM_CONV_ERR;
    }
    for (int i = 0; i < count; i++) {
        if (messages[i]->msg_style != PAM_TEXT_INFO && messages[i]->msg_style != PAM_ERROR_MSG) {
            return PAM_CONV_ERR;
        }
    }
    struct pam_response *answers = calloc((size_t) count, sizeof *answers);
    if (answers == NULL) {
        return PAM_CONV_ERR;
    }
    for (int i = 0; i < count; i++) {
        if (messages[i]->msg != NULL) {
            dprintf(STDOUT_FILENO, "%s\r\n", messages[i]->msg);
        }
    }
    *responses = answers;
    return PAM_SUCCESS;
}

static void *symbol(void *pam, const char *name) {
    void *s = dlsym(pam, name);
    if (s == NULL) {
        refuse("INVALID_STATE", "cannot open a PAM session: libpam.so.0 has no %s", name);
    }
    return s;
}

static void load_pam(void) {
    void *pam = dlopen("libpam.so.0", RTLD_NOW | RTLD_LOCAL);
    if (pam == NULL) {
        refuse("INVALID_STATE", "cannot open a PAM session: %s", dlerror());
    }
    pam_start_ = symbol(pam, "pam_start");
    pam_set_item_ = symbol(pam, "pam_set_item");
    pam_setcred_ = symbol(pam, "pam_setcred");
    pam_open_session_ = symbol(pam, "pam_open_session");
    pam_close_session_ = symbol(pam, "pam_close_session");
    pam_getenvlist_ = symbol(pam, "pam_getenvlist");
    pam_end_ = symbol(pam, "pam_end");
    pam_strerror_ = symbol(pam, "pam_strerror");
}

static long number(const char *text, const char *what) {
    char *end;
    errno = 0;
    long value = strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < 0) {
        refuse("INVALID_PARAMETER", "tether-logon: %s '%s' is not a number", what, text);
    }
    return value;
}

/* Whether NAME=... of entry is among the n entries of given. */
static int named_in(const char *entry, char **given, long n) {
    size_t length = strcspn(entry, "=");
    for (long i = 0; i < n; i++) {
        if (strncmp(given[i], entry, length) == 0 && given[i][length] == '=') {
            return 1;
        }
    }
    return 0;
}

int main(int argc, char **argv) {
    if (fcntl(STATUS_FD, F_SETFD, FD_CLOEXEC) != 0) {
        dprintf(STDERR_FILENO, "tether-logon: started without its status pipe on fd 3 (the keeper starts it)\n");
        return 2;
    }
    if (argc < 10) {
        refuse("INVALID_PARAMETER", "tether-logon: usage: SERVICE|- USER UID GID HOME TTY RHOST N NAME=VALUE... PROGRAM ARG...");
    }
    const char *service = argv[1], *user = argv[2], *home = argv[5], *tty = argv[6], *rhost = argv[7];
    uid_t uid = (uid_t) number(argv[3], "uid");
    gid_t gid = (gid_t) number(argv[4], "gid");
    long n = number(argv[8], "variable count");
    if (n > argc - 10) {
        refuse("INVALID_PARAMETER", "tether-logon: %ld variables announced, but no program after them", n);
    }
    /* The environment and the program's arguments, copied; then wiped from this process's own argv,
       which /proc/PID/cmdline shows everybody for as long as the session lasts (a variable of the
       request may be a secret). */
    char **given = calloc((size_t) (argc - 9 + 1), sizeof *given);
    if (given == NULL) {
        refuse("INTERNAL", "tether-logon: out of memory");
    }
    for (int i = 9; i < argc; i++) {
        given[i - 9] = strdup(argv[i]);
        if (given[i - 9] == NULL) {
            refuse("INTERNAL", "tether-logon: out of memory");
        }
        memset(argv[i], 0, strlen(argv[i]));
    }
    char **program = given + n;

    for (size_t i = 0; i < IGNORED_COUNT; i++) {
        signal(IGNORED[i], SIG_IGN);
    }
    if (initgroups(user, gid) != 0) {
        refuse("INTERNAL", "cannot set the groups of %s: %s", user, strerror(errno));
    }

    pam_handle_t *pamh = NULL;
    char **pam_env = NULL;
    if (strcmp(service, "-") != 0) {
        load_pam();
        struct pam_conv conv = {conversation, NULL};
        int r = pam_start_(service, user, &conv, &pamh);
        if (r != PAM_SUCCESS) {
            refuse("INVALID_STATE", "cannot open a PAM session for %s: pam_start: %s", user, pam_strerror_(pamh, r));
        }
        pam_set_item_(pamh, PAM_TTY, tty);
        if (*rhost != '\0') {
            pam_set_item_(pamh, PAM_RHOST, rhost);
        }
        r = pam_setcred_(pamh, PAM_ESTABLISH_CRED);
        if (r != PAM_SUCCESS) {
            refuse("ACCESS_DENIED", "PAM refused the session of %s: pam_setcred: %s", user, pam_strerror_(pamh, r));
        }
        r = pam_open_session_(pamh, 0);
        if (r != PAM_SUCCESS) {
            const char *why = pam_strerror_(pamh, r);
            pam_setcred_(pamh, PAM_DELETE_CRED);
            refuse("ACCESS_DENIED", "PAM refused the session of %s: pam_open_session: %s", user, why);
        }
        pam_env = pam_getenvlist_(pamh);
    }

    /* The program's environment: PAM's variables under the keeper's. */
    long pam_count = 0;
    while (pam_env != NULL && pam_env[pam_count] != NULL) {
        pam_count++;
    }
    char **env = calloc((size_t) (pam_count + n + 1), sizeof *env);
    if (env == NULL) {
        refuse("INTERNAL", "tether-logon: out of memory");
    }
    long e = 0;
    for (long i = 0; i < pam_count; i++) {
        if (!named_in(pam_env[i], given, n)) {
            env[e++] = pam_env[i];
        }
    }
    for (long i = 0; i < n; i++) {
        env[e++] = given[i];
    }

    pid_t leader = getpid();
    pid_t child = fork();
    if (child < 0) {
        refuse("INTERNAL", "cannot start %s: fork: %s", program[0], strerror(errno));
    }
    if (child == 0) {
        setpgid(0, 0);
        tcsetpgrp(STDIN_FILENO, getpid()); /* SIGTTOU is still ignored here */
        for (size_t i = 0; i < IGNORED_COUNT; i++) {
            signal(IGNORED[i], SIG_DFL);
        }
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (setgid(gid) != 0 || setuid(uid) != 0 || getuid() != uid || geteuid() != uid) {
            refuse("INTERNAL", "cannot become %s (uid %u): %s", user, (unsigned) uid, strerror(errno));
        }
        /* Set after setuid, which clears it: the program ends as on a hang-up should this process be killed. */
        prctl(PR_SET_PDEATHSIG, SIGHUP);
        if (getppid() != leader) {
            _exit(129);
        }
        if (chdir(home) != 0 && chdir("/") != 0) {
            refuse("INVALID_STATE", "cannot start %s: no directory to start in: %s", program[0], strerror(errno));
        }
        execve(program[0], program, env);
        refuse("INVALID_PARAMETER", "cannot start %s: %s", program[0], strerror(errno));
    }

    /* The status pipe is the program's now (close-on-exec); the terminal is too. */
    close(STATUS_FD);
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
        dup2(null, STDIN_FILENO);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        if (null > STDERR_FILENO) {
            close(null);
        }
    }
    int status;
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) {
            status = 127 << 8;
            break;
        }
    }
    if (pamh != NULL) {
        int r = pam_close_session_(pamh, 0);
        pam_setcred_(pamh, PAM_DELETE_CRED);
        pam_end_(pamh, r);
    }
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core); /* the program's core, if any, is written; not this one's */
        signal(sig, SIG_DFL);
        sigset_t only;
        sigemptyset(&only);
        sigaddset(&only, sig);
        sigprocmask(SIG_UNBLOCK, &only, NULL);
        raise(sig);
        return 128 + sig;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
