"""The words of Parley's emails, in the languages the widget speaks (English and German).

Templates (`templates/`) hold the layout; the sentences are here, so a language is one more
entry and a test can check that every language has every sentence.
"""

from __future__ import annotations

from typing import Final

STRINGS: Final[dict[str, dict[str, str]]] = {
    "en": {
        "hello": "Hello {name},",
        "hello_anonymous": "Hello,",
        "created": "We have received your request and will get back to you.",
        "reference": "Your reference: {reference}",
        "your_request": "Your request",
        "replied": "{author} replied to your request {reference}:",
        "files": "Files with this reply (open your request online to download them):",
        "status_changed": "The status of your request {reference} is now: {status}.",
        "resolved": "Your request {reference} has been resolved.",
        "resolved_more": "If you still need help, let us know.",
        "regards": "Kind regards,",
        "reply_hint": "Reply to this email to add to your request.",
        "tracking": "Follow your request and reply to it online:",
        "tracking_days": "This link works for {days} days; every email about your request "
        "brings a new one.",
        "status.IN_PROGRESS": "In progress",
        "status.WAITING_ON_THIRD_PARTY": "Waiting on a third party",
        "status.CLOSED": "Closed",
        "status.CANCELLED": "Cancelled",
        "assigned_subject": "[{reference}] Assigned to you: {subject}",
        "assigned_by": "{actor} assigned {reference} to you:",
        "assigned": "{reference} was assigned to you:",
        "open_in_console": "Open it in the console:",
        "why_agent": "You get this email because the ticket was assigned to you. Turn it off "
        "for yourself with PATCH /api/me.",
        "transcript_subject": "Your chat with {sender} on {date}",
        "transcript_intro": "Here is the transcript of your chat with us on {date} (times in UTC):",
        "transcript_you": "You",
        "transcript_cut": "(The {count} oldest messages are left out.)",
    },
    "de": {
        "hello": "Hallo {name},",
        "hello_anonymous": "Guten Tag,",
        "created": "wir haben Ihre Anfrage erhalten und melden uns bei Ihnen.",
        "reference": "Ihre Referenz: {reference}",
        "your_request": "Ihre Anfrage",
        "replied": "{author} hat auf Ihre Anfrage {reference} geantwortet:",
        "files": "Dateien zu dieser Antwort (öffnen Sie Ihre Anfrage online, um sie zu laden):",
        "status_changed": "Neuer Status Ihrer Anfrage {reference}: {status}.",
        "resolved": "Ihre Anfrage {reference} wurde gelöst.",
        "resolved_more": "Falls Sie weiterhin Hilfe brauchen, melden Sie sich bei uns.",
        "regards": "Mit freundlichen Grüßen",
        "reply_hint": "Antworten Sie auf diese E-Mail, um Ihrer Anfrage etwas hinzuzufügen.",
        "tracking": "Ihre Anfrage online verfolgen und beantworten:",
        "tracking_days": "Dieser Link gilt {days} Tage; jede E-Mail zu Ihrer Anfrage bringt "
        "einen neuen.",
        "status.IN_PROGRESS": "In Bearbeitung",
        "status.WAITING_ON_THIRD_PARTY": "Wartet auf Dritte",
        "status.CLOSED": "Geschlossen",
        "status.CANCELLED": "Storniert",
        "assigned_subject": "[{reference}] Ihnen zugewiesen: {subject}",
        "assigned_by": "{actor} hat Ihnen {reference} zugewiesen:",
        "assigned": "{reference} wurde Ihnen zugewiesen:",
        "open_in_console": "In der Konsole öffnen:",
        "why_agent": "Sie erhalten diese E-Mail, weil Ihnen das Ticket zugewiesen wurde. "
        "Abschalten können Sie sie für sich mit PATCH /api/me.",
        "transcript_subject": "Ihr Chat mit {sender} am {date}",
        "transcript_intro": "Hier ist das Protokoll Ihres Chats mit uns am {date} "
        "(Uhrzeiten in UTC):",
        "transcript_you": "Sie",
        "transcript_cut": "(Die {count} ältesten Nachrichten sind nicht enthalten.)",
    },
}
