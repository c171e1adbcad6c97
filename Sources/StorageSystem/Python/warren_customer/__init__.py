"""The storage system's customer context: a Warren worker in Python.

It consumes the events listed for `customer.projection` in topology/storage/customer.yaml and
keeps two views in the `customer` schema of the system's database (`mypages`, one row per
storage call, and `notifications`, one row per call and event type), with the fleet's
reliability protocol: inbox and views in one PostgreSQL transaction, ack after commit, poison
messages to `customer.dead` with the reason, transient failures through the delay queues.
"""

CONTEXT = "customer"
SYSTEM = "storage"
