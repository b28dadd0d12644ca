"""Who may read which file. Every lookup is by id AND organisation, so another tenant's file
is a 404 like a file that does not exist.

- An agent (or API key) reads every file of its organisation, internal notes included.
- A customer reads the files attached where they are the customer (`contact_id`), and their
  own uploads not attached yet; never a file on an internal note (`contact_id` is None there).
- A tracking page reads the public files of its one ticket.
"""

from __future__ import annotations

from server.attachments.models import Attachment
from server.errors import NotFound

_GONE = "Attachment not found."


async def for_agent(organization_id: int, attachment_id: int) -> Attachment:
    found = await Attachment.get_or_none(id=attachment_id, organization_id=organization_id)
    if found is None:
        raise NotFound(_GONE)
    return found


async def for_contact(organization_id: int, contact_id: int, attachment_id: int) -> Attachment:
    found = await Attachment.get_or_none(id=attachment_id, organization_id=organization_id)
    if found is None or not contact_may_read(found, contact_id):
        raise NotFound(_GONE)
    return found


async def for_tracked_ticket(
    organization_id: int, ticket_id: int, contact_id: int, attachment_id: int
) -> Attachment:
    found = await Attachment.get_or_none(id=attachment_id, organization_id=organization_id)
    if found is None or found.is_internal:
        raise NotFound(_GONE)
    on_ticket = found.ticket_id == ticket_id and found.attached_at is not None
    if not on_ticket and not contact_may_read(found, contact_id):
        raise NotFound(_GONE)
    return found


def contact_may_read(attachment: Attachment, contact_id: int) -> bool:
    if attachment.is_internal:
        return False
    if attachment.attached_at is None:
        return attachment.uploaded_by == f"contact:{contact_id}"
    return attachment.contact_id == contact_id
