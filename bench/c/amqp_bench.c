/*
 * amqp_bench: the raw rabbitmq-c reference for bench/amqp.
 *
 *   amqp_bench [options] publish URL QUEUE [COUNT [BATCH [SIZE]]]
 *   amqp_bench [options] consume URL QUEUE [COUNT [PREFETCH [ACKEVERY]]]
 *
 * options (before or after the mode):
 *   --queue-type classic|quorum   x-queue-type of the declared queue (default classic)
 *   --heartbeat SECONDS           heartbeat asked at login (default 60, 0 disables)
 *
 * publish: declares QUEUE (durable, not exclusive, not auto-delete), purges it,
 *   enables publisher confirms, then publishes COUNT persistent messages of SIZE
 *   bytes to the default exchange in batches of BATCH: BATCH basic.publish, then
 *   frames are read until every delivery tag of the batch is confirmed
 *   (basic.ack / basic.nack, `multiple` honoured). Timed from the first publish
 *   to the last confirm.
 * consume: declares QUEUE the same way (no purge), basic.qos PREFETCH,
 *   basic.consume with manual acks, receives COUNT deliveries and acks with
 *   multiple=true every ACKEVERY deliveries and after the last one. Timed from
 *   basic.consume to the last ack written. The queue must hold COUNT messages.
 *
 * Prints one JSON line: {"mode":...,"messages":N,"seconds":S,"per_s":R}
 * (publish adds "nacked"). Exit status 0 on success, 1 on any error (message
 * on stderr), 2 on bad usage.
 *
 * Build: cc -O2 -o amqp_bench amqp_bench.c $(pkg-config --cflags --libs librabbitmq)
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>

#define CHANNEL 1
#define FRAME_MAX 131072

static const char *progname = "amqp_bench";

static void usage(void) {
    fprintf(stderr,
            "usage: %s [--queue-type classic|quorum] [--heartbeat S] publish URL QUEUE [COUNT [BATCH [SIZE]]]\n"
            "       %s [--queue-type classic|quorum] [--heartbeat S] consume URL QUEUE [COUNT [PREFETCH [ACKEVERY]]]\n"
            "defaults: COUNT 100000, BATCH 1000, SIZE 32, PREFETCH 100, ACKEVERY 50\n",
            progname, progname);
    exit(2);
}

static void fail(const char *fmt, ...) {
    va_list ap;
    fprintf(stderr, "%s: ", progname);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long parse_count(const char *s, const char *what, long min) {
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min) {
        fprintf(stderr, "%s: %s must be an integer >= %ld, got '%s'\n", progname, what, min, s);
        exit(2);
    }
    return v;
}

/* Describes a broker close (connection.close / channel.close) carried by a method. */
static void describe_method(const amqp_method_t *m, char *buf, size_t len) {
    if (m->id == AMQP_CONNECTION_CLOSE_METHOD) {
        const amqp_connection_close_t *c = m->decoded;
        snprintf(buf, len, "connection closed by broker: %u %.*s", c->reply_code,
                 (int)c->reply_text.len, (const char *)c->reply_text.bytes);
    } else if (m->id == AMQP_CHANNEL_CLOSE_METHOD) {
        const amqp_channel_close_t *c = m->decoded;
        snprintf(buf, len, "channel closed by broker: %u %.*s", c->reply_code,
                 (int)c->reply_text.len, (const char *)c->reply_text.bytes);
    } else {
        snprintf(buf, len, "unexpected method 0x%08x (%s)", m->id, amqp_method_name(m->id));
    }
}

static void check_reply(amqp_rpc_reply_t r, const char *context) {
    char buf[512];
    switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL:
        return;
    case AMQP_RESPONSE_NONE:
        fail("%s: missing RPC reply", context);
        break;
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
        fail("%s: %s", context, amqp_error_string2(r.library_error));
        break;
    case AMQP_RESPONSE_SERVER_EXCEPTION:
        describe_method(&r.reply, buf, sizeof buf);
        fail("%s: %s", context, buf);
        break;
    }
    fail("%s: unknown reply type %d", context, (int)r.reply_type);
}

static void check_status(int status, const char *context) {
    if (status != AMQP_STATUS_OK) fail("%s: %s", context, amqp_error_string2(status));
}

struct options {
    const char *queue_type; /* NULL or "classic": no argument; otherwise x-queue-type */
    int heartbeat;
};

static amqp_connection_state_t open_connection(const char *url, const struct options *opt) {
    struct amqp_connection_info info;
    char *copy = strdup(url); /* amqp_parse_url writes into its argument */
    if (copy == NULL) fail("out of memory");
    amqp_default_connection_info(&info);
    if (amqp_parse_url(copy, &info) != AMQP_STATUS_OK) fail("cannot parse AMQP URL '%s'", url);
    if (info.ssl) fail("amqps:// is not supported by this benchmark; use amqp://");
    /* amqp_parse_url reads "amqp://host/" as the empty vhost, which RabbitMQ cannot have:
       take it, like most clients do, as the default vhost "/". */
    if (info.vhost == NULL || info.vhost[0] == '\0') info.vhost = "/";

    amqp_connection_state_t conn = amqp_new_connection();
    if (conn == NULL) fail("amqp_new_connection failed");
    amqp_socket_t *sock = amqp_tcp_socket_new(conn);
    if (sock == NULL) fail("amqp_tcp_socket_new failed");
    int st = amqp_socket_open(sock, info.host, info.port);
    if (st != AMQP_STATUS_OK) fail("cannot connect to %s:%d: %s", info.host, info.port, amqp_error_string2(st));
    check_reply(amqp_login(conn, info.vhost, 0, FRAME_MAX, opt->heartbeat, AMQP_SASL_METHOD_PLAIN,
                           info.user, info.password),
                "login");
    free(copy);

    amqp_channel_open(conn, CHANNEL);
    check_reply(amqp_get_rpc_reply(conn), "channel.open");
    return conn;
}

static void close_connection(amqp_connection_state_t conn) {
    check_reply(amqp_channel_close(conn, CHANNEL, AMQP_REPLY_SUCCESS), "channel.close");
    check_reply(amqp_connection_close(conn, AMQP_REPLY_SUCCESS), "connection.close");
    check_status(amqp_destroy_connection(conn), "destroy connection");
}

/* Declares the queue; returns its number of ready messages. */
static uint32_t declare_queue(amqp_connection_state_t conn, const char *queue, const struct options *opt) {
    amqp_table_entry_t entry;
    amqp_table_t args = amqp_empty_table;
    if (opt->queue_type != NULL && strcmp(opt->queue_type, "classic") != 0) {
        entry.key = amqp_cstring_bytes("x-queue-type");
        entry.value.kind = AMQP_FIELD_KIND_UTF8;
        entry.value.value.bytes = amqp_cstring_bytes(opt->queue_type);
        args.num_entries = 1;
        args.entries = &entry;
    }
    amqp_queue_declare_ok_t *ok = amqp_queue_declare(conn, CHANNEL, amqp_cstring_bytes(queue), /*passive*/ 0,
                                                     /*durable*/ 1, /*exclusive*/ 0, /*auto_delete*/ 0, args);
    amqp_rpc_reply_t r = amqp_get_rpc_reply(conn);
    if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION && r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        const amqp_channel_close_t *c = r.reply.decoded;
        if (c->reply_code == AMQP_PRECONDITION_FAILED)
            fail("queue.declare '%s': %u %.*s (the queue exists with other arguments, e.g. another "
                 "queue type: delete it or use another name)",
                 queue, c->reply_code, (int)c->reply_text.len, (const char *)c->reply_text.bytes);
    }
    check_reply(r, "queue.declare");
    return ok->message_count;
}

static void print_result(const char *mode, long messages, double seconds, long nacked) {
    double per_s = seconds > 0 ? (double)messages / seconds : 0.0;
    if (nacked >= 0)
        printf("{\"mode\":\"%s\",\"messages\":%ld,\"seconds\":%.6f,\"per_s\":%.1f,\"nacked\":%ld}\n", mode,
               messages, seconds, per_s, nacked);
    else
        printf("{\"mode\":\"%s\",\"messages\":%ld,\"seconds\":%.6f,\"per_s\":%.1f}\n", mode, messages,
               seconds, per_s);
    fflush(stdout);
}

/* ---------------------------------------------------------------- publish */

static int run_publish(const char *url, const char *queue, long count, long batch, long size,
                       const struct options *opt) {
    amqp_connection_state_t conn = open_connection(url, opt);
    declare_queue(conn, queue, opt);
    amqp_queue_purge(conn, CHANNEL, amqp_cstring_bytes(queue));
    check_reply(amqp_get_rpc_reply(conn), "queue.purge");
    amqp_confirm_select(conn, CHANNEL);
    check_reply(amqp_get_rpc_reply(conn), "confirm.select");

    char *payload = malloc(size > 0 ? (size_t)size : 1);
    unsigned char *confirmed = calloc((size_t)batch, 1); /* per tag of the current batch */
    if (payload == NULL || confirmed == NULL) fail("out of memory");
    memset(payload, 'x', (size_t)size);
    amqp_bytes_t body = {.len = (size_t)size, .bytes = payload};
    amqp_bytes_t exchange = amqp_empty_bytes;
    amqp_bytes_t routing_key = amqp_cstring_bytes(queue);
    amqp_basic_properties_t props;
    memset(&props, 0, sizeof props);
    props._flags = AMQP_BASIC_DELIVERY_MODE_FLAG;
    props.delivery_mode = 2; /* persistent */

    uint64_t next_tag = 1; /* delivery tag of the next publish: the broker counts from 1 */
    long nacked = 0;
    double start = now_seconds();
    for (long done = 0; done < count;) {
        long n = count - done < batch ? count - done : batch;
        uint64_t first = next_tag;
        uint64_t last = first + (uint64_t)n - 1;
        memset(confirmed, 0, (size_t)n);
        for (long i = 0; i < n; i++) {
            check_status(amqp_basic_publish(conn, CHANNEL, exchange, routing_key, 0, 0, &props, body),
                         "basic.publish");
            next_tag++;
        }
        long outstanding = n;
        uint64_t low = first; /* every tag below low is confirmed */
        while (outstanding > 0) {
            amqp_frame_t frame;
            amqp_maybe_release_buffers(conn);
            check_status(amqp_simple_wait_frame(conn, &frame), "waiting for confirms");
            if (frame.frame_type != AMQP_FRAME_METHOD) continue; /* heartbeats */
            uint64_t tag;
            amqp_boolean_t multiple;
            int is_nack;
            if (frame.payload.method.id == AMQP_BASIC_ACK_METHOD) {
                const amqp_basic_ack_t *a = frame.payload.method.decoded;
                tag = a->delivery_tag, multiple = a->multiple, is_nack = 0;
            } else if (frame.payload.method.id == AMQP_BASIC_NACK_METHOD) {
                const amqp_basic_nack_t *a = frame.payload.method.decoded;
                tag = a->delivery_tag, multiple = a->multiple, is_nack = 1;
            } else {
                char buf[512];
                describe_method(&frame.payload.method, buf, sizeof buf);
                fail("while waiting for confirms: %s", buf);
            }
            if (tag < first || tag > last)
                fail("confirm for delivery tag %llu outside the batch %llu..%llu", (unsigned long long)tag,
                     (unsigned long long)first, (unsigned long long)last);
            uint64_t from = multiple ? low : tag;
            for (uint64_t t = from; t <= tag; t++) {
                if (!confirmed[t - first]) {
                    confirmed[t - first] = 1;
                    outstanding--;
                    if (is_nack) nacked++;
                }
            }
            while (low <= last && confirmed[low - first]) low++;
        }
        done += n;
    }
    double seconds = now_seconds() - start;

    free(confirmed);
    free(payload);
    close_connection(conn);
    print_result("publish", count, seconds, nacked);
    if (nacked > 0) {
        fprintf(stderr, "%s: the broker nacked %ld of %ld messages\n", progname, nacked, count);
        return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------- consume */

static void ack_upto(amqp_connection_state_t conn, uint64_t tag) {
    check_status(amqp_basic_ack(conn, CHANNEL, tag, /*multiple*/ 1), "basic.ack");
}

static int run_consume(const char *url, const char *queue, long count, long prefetch, long ack_every,
                       const struct options *opt) {
    if (prefetch > 0 && ack_every > prefetch)
        fail("ACKEVERY (%ld) above PREFETCH (%ld) would stall the consumer", ack_every, prefetch);
    amqp_connection_state_t conn = open_connection(url, opt);
    uint32_t ready = declare_queue(conn, queue, opt);
    if ((long)ready < count)
        fail("queue '%s' holds %u ready messages, %ld needed: fill it first (publish mode)", queue, ready, count);
    amqp_basic_qos(conn, CHANNEL, 0, (uint16_t)prefetch, 0);
    check_reply(amqp_get_rpc_reply(conn), "basic.qos");

    double start = now_seconds();
    amqp_basic_consume_ok_t *ok = amqp_basic_consume(conn, CHANNEL, amqp_cstring_bytes(queue), amqp_empty_bytes,
                                                     /*no_local*/ 0, /*no_ack*/ 0, /*exclusive*/ 0,
                                                     amqp_empty_table);
    check_reply(amqp_get_rpc_reply(conn), "basic.consume");
    (void)ok;

    long received = 0;
    uint64_t last_tag = 0, acked_tag = 0;
    while (received < count) {
        amqp_envelope_t env;
        amqp_maybe_release_buffers(conn);
        amqp_rpc_reply_t r = amqp_consume_message(conn, &env, NULL, 0);
        if (r.reply_type == AMQP_RESPONSE_NORMAL) {
            last_tag = env.delivery_tag;
            amqp_destroy_envelope(&env);
            received++;
            if (received % ack_every == 0) {
                ack_upto(conn, last_tag);
                acked_tag = last_tag;
            }
            continue;
        }
        if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_UNEXPECTED_STATE) {
            /* The next frame is not a delivery: read it ourselves. */
            amqp_frame_t frame;
            check_status(amqp_simple_wait_frame(conn, &frame), "reading a non-delivery frame");
            if (frame.frame_type != AMQP_FRAME_METHOD) continue;
            char buf[512];
            describe_method(&frame.payload.method, buf, sizeof buf);
            fail("while consuming (after %ld deliveries): %s", received, buf);
        }
        check_reply(r, "consuming");
    }
    if (acked_tag != last_tag) ack_upto(conn, last_tag);
    double seconds = now_seconds() - start;

    close_connection(conn);
    print_result("consume", count, seconds, -1);
    return 0;
}

int main(int argc, char **argv) {
    struct options opt = {.queue_type = NULL, .heartbeat = 60};
    const char *pos[8];
    int npos = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--queue-type") == 0 && i + 1 < argc) {
            opt.queue_type = argv[++i];
            if (strcmp(opt.queue_type, "classic") != 0 && strcmp(opt.queue_type, "quorum") != 0) usage();
        } else if (strncmp(argv[i], "--queue-type=", 13) == 0) {
            opt.queue_type = argv[i] + 13;
            if (strcmp(opt.queue_type, "classic") != 0 && strcmp(opt.queue_type, "quorum") != 0) usage();
        } else if (strcmp(argv[i], "--heartbeat") == 0 && i + 1 < argc) {
            opt.heartbeat = (int)parse_count(argv[++i], "heartbeat", 0);
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            usage();
        } else if (argv[i][0] == '-' && argv[i][1] == '-') {
            usage();
        } else if (npos < 8) {
            pos[npos++] = argv[i];
        } else {
            usage();
        }
    }
    if (npos < 3 || npos > 6) usage();
    const char *mode = pos[0], *url = pos[1], *queue = pos[2];
    long count = npos > 3 ? parse_count(pos[3], "COUNT", 1) : 100000;
    if (strcmp(mode, "publish") == 0) {
        long batch = npos > 4 ? parse_count(pos[4], "BATCH", 1) : 1000;
        long size = npos > 5 ? parse_count(pos[5], "SIZE", 0) : 32;
        return run_publish(url, queue, count, batch, size, &opt);
    }
    if (strcmp(mode, "consume") == 0) {
        long prefetch = npos > 4 ? parse_count(pos[4], "PREFETCH", 0) : 100;
        long ack_every = npos > 5 ? parse_count(pos[5], "ACKEVERY", 1) : 50;
        if (prefetch > 65535) fail("PREFETCH must be at most 65535");
        return run_consume(url, queue, count, prefetch, ack_every, &opt);
    }
    usage();
    return 2;
}
