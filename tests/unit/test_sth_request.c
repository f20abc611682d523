/* Unit tests for sth_request.c (what the hub and `herald signer` say to
 * each other, and the rule for signing a head) and signer_state.c's slots:
 * every refusal the signer makes, the wire's round trips and its limits. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "signer_state.h"
#include "sth_request.h"

#define NOW 1800000000000ULL
#define LEAVES 40

static uint8_t leaf_hashes[LEAVES][MERKLE_HASH_LEN];

static int leaf_at(void *ctx, uint64_t i, uint8_t out[MERKLE_HASH_LEN])
{
    (void)ctx;
    if (i >= LEAVES)
        return -1;
    memcpy(out, leaf_hashes[i], MERKLE_HASH_LEN);
    return 0;
}

static const merkle_source src = {leaf_at, NULL, NULL};

static int setup(void **state)
{
    (void)state;
    for (int i = 0; i < LEAVES; i++) {
        char leaf[16];
        int n = snprintf(leaf, sizeof leaf, "leaf %d", i);
        merkle_leaf_hash(leaf, (size_t)n, leaf_hashes[i]);
    }
    return 0;
}

static sth head_of(uint64_t size, uint64_t ts)
{
    sth h = {.timestamp_ms = ts, .tree_size = size};
    assert_int_equal(merkle_root(&src, size, h.root_hash), MERKLE_OK);
    return h;
}

/* A request for the size-n tree proving it extends the size-m one. */
static sth_request request_of(uint64_t m, uint64_t n, uint64_t ts)
{
    sth_request r;
    memset(&r, 0, sizeof r);
    r.head = head_of(n, ts);
    r.old_size = m;
    assert_int_equal(merkle_consistency_proof(&src, m, n, r.proof, &r.proof_len), MERKLE_OK);
    return r;
}

static void consistent_heads_are_signed(void **state)
{
    sth last = head_of(7, NOW - 1000);
    char why[256];

    (void)state;
    sth_request r = request_of(7, 30, NOW);
    assert_int_equal(sth_request_check(&last, &r, NOW, why, sizeof why), STH_SIGNED);
    r = request_of(7, 7, NOW); /* the same head again, later */
    assert_int_equal(sth_request_check(&last, &r, NOW, why, sizeof why), STH_SIGNED);
    r = request_of(0, 3, NOW); /* nothing signed yet: anything well formed */
    assert_int_equal(sth_request_check(NULL, &r, NOW, why, sizeof why), STH_SIGNED);
}

static void inconsistent_heads_are_refused(void **state)
{
    sth last = head_of(20, NOW - 1000);
    char why[256];
    sth_request r;

    (void)state;
    r = request_of(10, 15, NOW);
    assert_int_equal(sth_request_check(&last, &r, NOW, why, sizeof why), STH_REFUSED);
    assert_non_null(strstr(why, "smaller than the 20"));
    r = request_of(20, 20, NOW);
    r.head.root_hash[0] ^= 1;
    assert_int_equal(sth_request_check(&last, &r, NOW, why, sizeof why), STH_REFUSED);
    assert_non_null(strstr(why, "another root"));
    r = request_of(20, 25, NOW - 2000);
    assert_int_equal(sth_request_check(&last, &r, NOW, why, sizeof why), STH_REFUSED);
    assert_non_null(strstr(why, "before"));
    r = request_of(20, 25, NOW + STH_SIGNER_MAX_AHEAD_MS + 1);
    assert_int_equal(sth_request_check(&last, &r, NOW, why, sizeof why), STH_REFUSED);
    assert_non_null(strstr(why, "ahead"));
    r = request_of(20, 25, NOW);
    r.proof[0][5] ^= 0x80; /* a proof that does not hold */
    assert_int_equal(sth_request_check(&last, &r, NOW, why, sizeof why), STH_REFUSED);
    assert_non_null(strstr(why, "no proof"));
    r = request_of(20, 25, NOW);
    r.head.root_hash[31] ^= 1; /* a fork: another tree of 25 */
    assert_int_equal(sth_request_check(&last, &r, NOW, why, sizeof why), STH_REFUSED);
}

/* The empty tree's head, first or not, has the empty tree's root: one
 * with another would leave the signer unable to sign any later head. */
static void an_empty_head_needs_the_empty_root(void **state)
{
    sth_request r;
    char why[256];
    (void)state;

    memset(&r, 0, sizeof r);
    r.head = head_of(0, NOW);
    assert_int_equal(sth_request_check(NULL, &r, NOW, why, sizeof why), STH_SIGNED);
    sth last = r.head;
    r = request_of(0, 5, NOW);
    assert_int_equal(sth_request_check(&last, &r, NOW, why, sizeof why), STH_SIGNED);
    memset(&r, 0, sizeof r);
    r.head = head_of(0, NOW);
    r.head.root_hash[3] ^= 1;
    assert_int_equal(sth_request_check(NULL, &r, NOW, why, sizeof why), STH_REFUSED);
    assert_non_null(strstr(why, "empty tree"));
    assert_int_equal(sth_request_check(&last, &r, NOW, why, sizeof why), STH_REFUSED);
}

static void a_proof_from_another_head_is_stale(void **state)
{
    sth last = head_of(20, NOW - 1000);
    char why[256];
    sth_request r = request_of(12, 25, NOW);

    (void)state;
    assert_int_equal(sth_request_check(&last, &r, NOW, why, sizeof why), STH_STALE);
}

static void requests_round_trip_and_limits_hold(void **state)
{
    uint8_t wire[STH_REQ_MAX_LEN + 8];
    sth_request r = request_of(5, 37, NOW), back;
    size_t len = sth_request_encode(&r, wire);

    (void)state;
    assert_int_equal(len, STH_REQ_FIXED_LEN + r.proof_len * MERKLE_HASH_LEN);
    assert_null(sth_request_parse(&back, wire, len));
    assert_int_equal(back.head.tree_size, 37);
    assert_int_equal(back.old_size, 5);
    assert_int_equal(back.proof_len, r.proof_len);
    assert_memory_equal(back.proof, r.proof, r.proof_len * MERKLE_HASH_LEN);
    assert_non_null(sth_request_parse(&back, wire, len - 1));  /* short by a byte */
    assert_non_null(sth_request_parse(&back, wire, len + 1));  /* long by a byte */
    assert_non_null(sth_request_parse(&back, wire, 3));
    assert_non_null(sth_request_parse(&back, wire, STH_REQ_MAX_LEN + 1));
    wire[0] = 'X';
    assert_non_null(sth_request_parse(&back, wire, len));
    wire[0] = 'H';
    wire[STH_REQ_FIXED_LEN - 1] = MERKLE_MAX_PATH + 1; /* the proof's count */
    assert_non_null(sth_request_parse(&back, wire, len));
    r.old_size = 38; /* older than the head */
    len = sth_request_encode(&r, wire);
    assert_non_null(sth_request_parse(&back, wire, len));
}

static void answers_round_trip_and_limits_hold(void **state)
{
    uint8_t wire[STH_ANS_MAX_LEN + 8];
    sth_answer a, back;
    size_t len;

    (void)state;
    memset(&a, 0, sizeof a);
    a.status = STH_REFUSED;
    a.has_last = 1;
    a.last = head_of(9, NOW);
    snprintf(a.reason, sizeof a.reason, "tree size 3 is smaller");
    len = sth_answer_encode(&a, wire);
    assert_null(sth_answer_parse(&back, wire, len));
    assert_int_equal(back.status, STH_REFUSED);
    assert_int_equal(back.last.tree_size, 9);
    assert_string_equal(back.reason, "tree size 3 is smaller");
    assert_non_null(sth_answer_parse(&back, wire, len - 1));
    wire[4] = 9; /* an unknown status */
    assert_non_null(sth_answer_parse(&back, wire, len));
    wire[4] = STH_REFUSED;
    wire[STH_ANS_FIXED_LEN] = '\n'; /* the reason is text */
    assert_non_null(sth_answer_parse(&back, wire, len));
}

static void state_slots_detect_damage(void **state)
{
    uint8_t slot[SIGNER_SLOT_LEN];
    sth h = head_of(11, NOW), back;
    uint64_t seq;

    (void)state;
    signer_slot_encode(slot, 42, &h);
    assert_int_equal(signer_slot_parse(slot, &seq, &back), 0);
    assert_int_equal(seq, 42);
    assert_int_equal(back.tree_size, 11);
    assert_memory_equal(back.root_hash, h.root_hash, MERKLE_HASH_LEN);
    slot[30] ^= 1; /* a torn or damaged write */
    assert_int_equal(signer_slot_parse(slot, &seq, &back), -1);
    memset(slot, 0, sizeof slot);
    assert_int_equal(signer_slot_parse(slot, &seq, &back), -1);
}

/* The state file itself: refused when missing, empty, damaged past use or
 * writable by others; written slot after slot; a torn newest slot leaves
 * the head before it; locked against a second signer. */
static void state_file_keeps_the_last_head(void **state)
{
    char dir[] = "/tmp/test_signer_state.XXXXXX", path[96], err[512], cmd[128];
    signer_state st, other;
    sth a = head_of(5, NOW), b = head_of(9, NOW + 1), c = head_of(12, NOW + 2);
    FILE *f;

    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/log.key.state", dir);
    assert_int_equal(signer_state_open(&st, path, (uid_t)-1, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "no such state file"));
    assert_int_equal(signer_state_open(&st, path, (uid_t)-1, 1, err, sizeof err), 0);
    assert_int_equal(st.have_last, 0);
    assert_int_equal(signer_state_open(&other, path, (uid_t)-1, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "another signer holds this state"));
    signer_state_close(&other);
    assert_int_equal(signer_state_record(&st, &a), 0); /* seq 1: the slot at 512 */
    assert_int_equal(signer_state_record(&st, &b), 0); /* seq 2: the slot at 0 */
    signer_state_close(&st);
    assert_int_equal(signer_state_open(&st, path, (uid_t)-1, 0, err, sizeof err), 0);
    assert_true(st.have_last && st.last.tree_size == 9);
    signer_state_close(&st);
    /* the newest slot torn: the head before it */
    assert_non_null(f = fopen(path, "r+b"));
    fseek(f, 30, SEEK_SET);
    fputc('!', f);
    fclose(f);
    assert_int_equal(signer_state_open(&st, path, (uid_t)-1, 0, err, sizeof err), 0);
    assert_true(st.have_last && st.last.tree_size == 5);
    assert_int_equal(signer_state_record(&st, &c), 0); /* over the torn one */
    signer_state_close(&st);
    assert_int_equal(signer_state_open(&st, path, (uid_t)-1, 0, err, sizeof err), 0);
    assert_true(st.have_last && st.last.tree_size == 12);
    signer_state_close(&st);
    /* a head signed: --new-log is refused */
    assert_int_equal(signer_state_open(&st, path, (uid_t)-1, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "holds a signed head (tree size 12)"));
    signer_state_close(&st);
    /* others may write it */
    assert_int_equal(chmod(path, 0664), 0);
    assert_int_equal(signer_state_open(&st, path, (uid_t)-1, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "writable by others"));
    signer_state_close(&st);
    assert_int_equal(chmod(path, 0600), 0);
    /* another user's (as root, the only one who can give it away) */
    if (geteuid() == 0) {
        assert_int_equal(chown(path, 54321, (gid_t)-1), 0);
        assert_int_equal(signer_state_open(&st, path, (uid_t)-1, 0, err, sizeof err), -1);
        assert_non_null(strstr(err, "owned by uid 54321"));
        signer_state_close(&st);
        assert_int_equal(signer_state_open(&st, path, 54321, 0, err, sizeof err), 0);
        signer_state_close(&st);
        assert_int_equal(chown(path, 0, (gid_t)-1), 0);
    }
    /* bytes, but no valid slot: refused, --new-log or not */
    assert_non_null(f = fopen(path, "wb"));
    fputs("not a state", f);
    fclose(f);
    assert_int_equal(signer_state_open(&st, path, (uid_t)-1, 1, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a signer's state"));
    signer_state_close(&st);
    /* emptied: refused unless the log is new */
    assert_int_equal(truncate(path, 0), 0);
    assert_int_equal(signer_state_open(&st, path, (uid_t)-1, 0, err, sizeof err), -1);
    assert_non_null(strstr(err, "empty"));
    signer_state_close(&st);
    assert_int_equal(signer_state_open(&st, path, (uid_t)-1, 1, err, sizeof err), 0);
    assert_int_equal(st.have_last, 0);
    signer_state_close(&st);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(consistent_heads_are_signed),
        cmocka_unit_test(inconsistent_heads_are_refused),
        cmocka_unit_test(an_empty_head_needs_the_empty_root),
        cmocka_unit_test(a_proof_from_another_head_is_stale),
        cmocka_unit_test(requests_round_trip_and_limits_hold),
        cmocka_unit_test(answers_round_trip_and_limits_hold),
        cmocka_unit_test(state_slots_detect_damage),
        cmocka_unit_test(state_file_keeps_the_last_head),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
