"""Outbound webhooks: an organisation's endpoints get its ticket and chat events, signed the
Standard Webhooks way, delivered durably (docs/webhooks.md).

How an event travels: the relay queues a spine delivery for `WebhookFanout` (`fanout.py`) in
the transaction that takes the event out of the outbox; the fan-out writes one
`WebhookDelivery` per subscribed endpoint in one transaction of its own; `WebhookSender`
(`delivery.py`) sends each row with its own backoff through a client that refuses private
addresses at connect time (`guard.py`), and `service.py` records every attempt, disables an
endpoint that answers 410 or fails for a day, and schedules the email telling its admins
(`notice.py`). The admin API is `routes.py`.
"""
