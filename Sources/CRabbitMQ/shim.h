#ifndef WARREN_CRABBITMQ_SHIM_H
#define WARREN_CRABBITMQ_SHIM_H

/* rabbitmq-c 0.11 installs flat headers; 0.12+ adds a rabbitmq-c/ folder. */
#if __has_include(<rabbitmq-c/amqp.h>)
#include <rabbitmq-c/amqp.h>
#include <rabbitmq-c/framing.h>
#include <rabbitmq-c/tcp_socket.h>
#include <rabbitmq-c/ssl_socket.h>
#else
#include <amqp.h>
#include <amqp_framing.h>
#include <amqp_tcp_socket.h>
#include <amqp_ssl_socket.h>
#endif

/* amqp_login_with_properties is variadic, which Swift cannot call: this fixes the PLAIN form. */
static inline amqp_rpc_reply_t warren_amqp_login_plain(amqp_connection_state_t state, const char *vhost,
                                                       int channel_max, int frame_max, int heartbeat,
                                                       const amqp_table_t *properties,
                                                       const char *user, const char *password) {
    return amqp_login_with_properties(state, vhost, channel_max, frame_max, heartbeat, properties,
                                      AMQP_SASL_METHOD_PLAIN, user, password);
}

#endif
