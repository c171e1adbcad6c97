"""The interface of a system's plug-in: what bench/chaos and bench/e2e need to know about one
business system, and nothing of the machinery (fleet, faults, bad input, quiescence, broker
checks), which is the same for every system.

A plug-in subclasses `System` and sets or overrides:

  chaos
    name, contexts        the system's name and its contexts in start order (RPC servers first);
                          each runs as `warren worker <name>/<context>`, the gateway as
                          `warren ingress <name>`; each context's tables are in a schema named
                          after it (quote it in SQL: `order` is a keyword)
    slowed                the RPC servers the faults slow for a while: [Slowed(context, variable,
                          value)], each worker restarted with `variable=value`, then without
    main_operation/route  the saga-starting operation of the load (its latency is reported)
    add_options(parser)   options of bench/chaos for this system only
    fleet_environment(args)   extra environment of every worker and the ingress
    prepare(client, log)  before the load, through the ingress (e.g. register products);
                          returns a list of problems (reported as fleet violations)
    operation(driver, client, rng)   one step of one client: `driver.send(...)`, and what the
                          answer means recorded in `driver.results` (under its lock)
    bad_http_cases()      (kind, method, path, body bytes, content type) each answered 4xx
    amqp_client(url)      a stand-in for the ingress over AMQP (`--via amqp`) when via_amqp
    checks(database, results, args)  {check name: [violations]} from the tables, once the
                          fleet is quiet; each violation names the request and the rule
    report(results, out)  prints the system's lines of the summary, returns its JSON fields

  e2e
    e2e_script            the wrk script under bench/ (prints `E2E {json}` in done())
    e2e_saga              what one completed saga is, for the report
    e2e_environment(args) extra environment of `warren up <name>`
    e2e_prepare(client, log)   before wrk, through the ingress; returns environment for wrk
    e2e_sagas(database)   completed sagas, counted in the tables after quiescence
    e2e_keys              JSON names of the POST's p50/p99 (cleaning keeps its own)

  saga-bill (bench/saga-bill; also uses e2e_environment, e2e_prepare and e2e_sagas)
    bill_request(n, prepared)   the request that starts saga number n (0, 1, ...), sent one at
                          a time: (method, path, body); `prepared` is what e2e_prepare returned
                          (e.g. coffee's E2E_PRODUCT_IDS). The same request the e2e wrk script sends.
"""

import sys
from collections import namedtuple

Slowed = namedtuple("Slowed", "context variable value")


def quoted(schema):
    return '"' + schema.replace('"', '""') + '"'


class System:
    name = None
    contexts = []
    slowed = []
    via_amqp = False
    main_operation = None
    main_route = None
    e2e_script = None
    e2e_saga = "completed sagas"
    e2e_keys = ("post_p50_ms", "post_p99_ms")

    # -- chaos ---------------------------------------------------------------------------

    def vhost_and_database(self, run):
        return f"chaos-{self.name}-{run}", f"chaos_{self.name}_{run.replace('-', '_')}"

    def add_options(self, parser):
        pass

    def fleet_environment(self, args):
        return {}

    def prepare(self, client, log):
        return []

    def operation(self, driver, client, rng):
        raise NotImplementedError

    def bad_http_cases(self):
        return []

    def amqp_client(self, url):
        return None

    def checks(self, database, results, args):
        return {}

    def report(self, results, out=sys.stdout):
        return {}

    # -- e2e -----------------------------------------------------------------------------

    def e2e_environment(self, args):
        return {}

    def e2e_prepare(self, client, log):
        return {}

    def e2e_sagas(self, database):
        raise NotImplementedError

    # -- saga-bill -----------------------------------------------------------------------

    def bill_request(self, n, prepared):
        raise NotImplementedError
