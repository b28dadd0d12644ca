"""Who receives what: the one place that turns a committed domain event into socket messages.

`rules.deliveries(event, subject)` decides, for every event type, which channels get it and
which projection each gets; `projections.py` holds every customer-facing event projection;
`listener.PushListener` is the relay's listener that publishes them through the transport
(`server/channels`), which knows nothing of tickets, chats or accounts. A wrong recipient is a
security bug: every rule is tested (`tests/push/`).
"""
