/* test_reaper.c - request deadlines: a connection still receiving its
 * request after the timeout is shut down, one being answered is not, the
 * clock restarts when the answer is sent, and the table's capacity is a hard
 * limit.  Real sockets (socketpair) and the real thread; the timeout is one
 * second, so the suite waits about two. */
#include <check.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../suites.h"
#include "http/reaper.h"

typedef struct pair {
    int server; /* the end the reaper watches */
    int client; /* the peer, which sees EOF once the server end is shut down */
} pair;

static pair pair_open(void)
{
    int fds[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    return (pair){fds[0], fds[1]};
}

static void pair_close(pair p)
{
    close(p.server);
    close(p.client);
}

/* True when the client end reads EOF within `ms` milliseconds. */
static bool peer_sees_eof(pair p, int ms)
{
    struct pollfd pfd = {.fd = p.client, .events = POLLIN};
    if (poll(&pfd, 1, ms) != 1)
        return false;
    char c;
    return recv(p.client, &c, 1, MSG_DONTWAIT) == 0;
}

START_TEST(late_requests_are_shut_down_and_answers_are_not)
{
    reaper *r = reaper_start(4, 1);
    ck_assert_ptr_nonnull(r);
    pair slow = pair_open(), busy = pair_open(), again = pair_open();
    reaper_conn *c_slow = reaper_track(r, slow.server);
    reaper_conn *c_busy = reaper_track(r, busy.server);
    reaper_conn *c_again = reaper_track(r, again.server);
    ck_assert_ptr_nonnull(c_slow);
    ck_assert_ptr_nonnull(c_busy);
    ck_assert_ptr_nonnull(c_again);
    reaper_answering(r, c_busy);  /* a worker has the whole request */
    reaper_answering(r, c_again); /* ... and sends the answer below */

    /* the thread looks once a second: the slow one is shut within ~2 s */
    ck_assert_msg(peer_sees_eof(slow, 3500), "a request late by the timeout was not dropped");
    ck_assert_msg(!peer_sees_eof(busy, 0), "a connection being answered was dropped");

    /* once answered, the next request has the timeout again */
    reaper_answered(r, c_again);
    ck_assert_msg(!peer_sees_eof(again, 0), "dropped at once after the answer");
    ck_assert_msg(peer_sees_eof(again, 3500), "the next request's deadline was not kept");
    ck_assert_msg(!peer_sees_eof(busy, 0), "a connection being answered was dropped");

    reaper_forget(r, c_slow);
    reaper_forget(r, c_busy);
    reaper_forget(r, c_again);
    reaper_stop(r);
    pair_close(slow);
    pair_close(busy);
    pair_close(again);
}
END_TEST

START_TEST(capacity_is_a_hard_limit_and_slots_are_reused)
{
    reaper *r = reaper_start(2, 30);
    ck_assert_ptr_nonnull(r);
    pair a = pair_open(), b = pair_open(), c = pair_open();
    reaper_conn *ca = reaper_track(r, a.server);
    reaper_conn *cb = reaper_track(r, b.server);
    ck_assert_ptr_nonnull(ca);
    ck_assert_ptr_nonnull(cb);
    ck_assert_ptr_null(reaper_track(r, c.server)); /* full: the idle timeout only */
    reaper_forget(r, ca);
    reaper_conn *cc = reaper_track(r, c.server);
    ck_assert_ptr_nonnull(cc);
    reaper_forget(r, NULL); /* a no-op */
    reaper_forget(r, cb);
    reaper_forget(r, cc);
    reaper_stop(r);
    /* the reaper closed only its duplicates: our ends still work */
    ck_assert_int_eq(send(a.client, "x", 1, 0), 1);
    char ch;
    ck_assert_int_eq(recv(a.server, &ch, 1, 0), 1);
    pair_close(a);
    pair_close(b);
    pair_close(c);
}
END_TEST

Suite *suite_reaper(void)
{
    Suite *s = suite_create("reaper");
    TCase *tc = tcase_create("reaper");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, late_requests_are_shut_down_and_answers_are_not);
    tcase_add_test(tc, capacity_is_a_hard_limit_and_slots_are_reused);
    suite_add_tcase(s, tc);
    return s;
}
