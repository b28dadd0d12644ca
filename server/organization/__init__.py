"""The organisation's settings as admins and the widget see them, across domains.

`GET/PATCH /api/org` and the widget's public `GET /api/embed/config` show settings two domains
own: the widget's origins and look (accounts) and the ticket categories and default priority
(tickets). This package sits above both so that neither imports the other for it.
"""
