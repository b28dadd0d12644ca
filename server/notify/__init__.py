"""Notifications that leave Parley: email to customers, as durable listeners of the spine.

`customer_emails.py` decides which committed ticket events email the requester and sends
them (`compose.py`: templates and headers; `ids.py`: signed Message-IDs and reply-to tags;
`mailer.py`: console or SMTP); `transcript_emails.py` sends chat transcripts on request. Each
organisation's email settings are `server/accounts/org_email.py`.
See docs/email.md.
"""
