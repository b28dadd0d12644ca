"""The spine: committed domain events, and what reacts to them.

A service records the domain events of a write with `record(conn, *events, subject=...)`
inside its own transaction (`outbox.py`): one row per event, so the change and its events
commit or roll back together. Once committed, the relay (`relay.py`) hands the rows, in commit
order, to the registered listeners: pushing to sockets is one (`server/push`); durable
listeners (email, webhooks) get a delivery row each (`deliveries.py`) that a worker runs with
attempts, backoff and a dead state, so a crash or a failing receiver loses nothing and blocks
nobody else.

Who made a change is one `Actor` (`actor.py`: agent, customer, integration, system), stored
as the one `AuthorType` of tickets and chat. Periodic passes and one-off delayed runs (work due
at a time a write chose, scheduled in its transaction) run on one scheduler (`scheduler.py`,
`delayed.py`), each run once across processes.

This is the bottom layer: it imports only the database, errors and settings modules. Each
domain declares its own event types (`server/tickets/events.py`, `server/chat/events.py`,
`server/accounts/events.py`) and registers them in `registry.py`.
"""
