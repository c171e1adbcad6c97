/*
 * pg_bench: the raw libpq reference for bench/amqp.
 *
 *   pg_bench URL [COUNT]        (COUNT defaults to 20000)
 *
 * Creates table bench_c_insert(id bigserial primary key, payload text) if
 * needed and truncates it, then runs COUNT single-row transactions, each as
 * three round trips: BEGIN; INSERT INTO bench_c_insert (payload) VALUES ($1)
 * through PQexecParams (one text parameter, a 32-byte payload); COMMIT.
 * Timed from the first BEGIN to the last COMMIT; the row count is checked
 * afterwards, outside the timing.
 *
 * Prints one JSON line: {"mode":"pg-insert","transactions":N,"seconds":S,"per_s":R}
 * Exit status 0 on success, 1 on any error (message on stderr), 2 on bad usage.
 *
 * Build: cc -O2 -o pg_bench pg_bench.c $(pkg-config --cflags --libs libpq)
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

static PGconn *conn;

static void fail_conn(const char *context) {
    /* PQerrorMessage never contains the password. */
    fprintf(stderr, "pg_bench: %s: %s", context, PQerrorMessage(conn));
    PQfinish(conn);
    exit(1);
}

/* Checks a result, clears it. */
static void check(PGresult *res, ExecStatusType want, const char *context) {
    if (res == NULL) fail_conn(context);
    if (PQresultStatus(res) != want) {
        const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        fprintf(stderr, "pg_bench: %s: SQLSTATE %s: %s", context, state ? state : "?", PQresultErrorMessage(res));
        PQclear(res);
        PQfinish(conn);
        exit(1);
    }
    PQclear(res);
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 2 || argc > 3 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
        fprintf(stderr, "usage: pg_bench URL [COUNT]   (COUNT defaults to 20000)\n");
        return 2;
    }
    long count = 20000;
    if (argc == 3) {
        char *end = NULL;
        errno = 0;
        count = strtol(argv[2], &end, 10);
        if (errno != 0 || end == argv[2] || *end != '\0' || count < 1) {
            fprintf(stderr, "pg_bench: COUNT must be a positive integer, got '%s'\n", argv[2]);
            return 2;
        }
    }

    conn = PQconnectdb(argv[1]);
    if (conn == NULL) {
        fprintf(stderr, "pg_bench: out of memory\n");
        return 1;
    }
    if (PQstatus(conn) != CONNECTION_OK) fail_conn("connect");

    /* Quiet the NOTICE of CREATE TABLE IF NOT EXISTS on later runs. */
    check(PQexec(conn, "SET client_min_messages = warning"), PGRES_COMMAND_OK, "set client_min_messages");
    check(PQexec(conn, "CREATE TABLE IF NOT EXISTS bench_c_insert (id bigserial PRIMARY KEY, payload text)"),
          PGRES_COMMAND_OK, "create table");
    check(PQexec(conn, "TRUNCATE bench_c_insert RESTART IDENTITY"), PGRES_COMMAND_OK, "truncate");

    const char *payload = "0123456789abcdef0123456789abcdef"; /* 32 bytes, as the AMQP messages */
    const char *values[1] = {payload};
    double start = now_seconds();
    for (long i = 0; i < count; i++) {
        check(PQexec(conn, "BEGIN"), PGRES_COMMAND_OK, "BEGIN");
        check(PQexecParams(conn, "INSERT INTO bench_c_insert (payload) VALUES ($1)", 1, NULL, values, NULL, NULL, 0),
              PGRES_COMMAND_OK, "INSERT");
        check(PQexec(conn, "COMMIT"), PGRES_COMMAND_OK, "COMMIT");
    }
    double seconds = now_seconds() - start;

    PGresult *res = PQexec(conn, "SELECT count(*) FROM bench_c_insert");
    if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK) {
        if (res) PQclear(res);
        fail_conn("count rows");
    }
    long rows = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    PQfinish(conn);
    if (rows != count) {
        fprintf(stderr, "pg_bench: expected %ld rows in bench_c_insert, found %ld\n", count, rows);
        return 1;
    }

    printf("{\"mode\":\"pg-insert\",\"transactions\":%ld,\"seconds\":%.6f,\"per_s\":%.1f}\n", count, seconds,
           seconds > 0 ? (double)count / seconds : 0.0);
    return 0;
}
