// The event types on Parley's channels that the widget and the console act on (declared by the
// server in server/*/events.py; tests/widget/test_shared.py checks them against it).

export const TICKET_CREATED = "ticket.created";
export const TICKET_UPDATED = "ticket.updated";
export const TICKET_STATUS_CHANGED = "ticket.status_changed";
export const TICKET_ASSIGNED = "ticket.assigned";
export const TICKET_RESPONSE_ADDED = "ticket.response_added";
export const TICKET_DELETED = "ticket.deleted";
export const CONVERSATION_TRANSFERRED = "conversation.transferred";
export const MESSAGE_CREATED = "conversation.message_created";
export const CONVERSATION_ESCALATED = "conversation.escalated";
export const QUEUE_POSITION = "conversation.queue_position";

export const isTicketEvent = (type) => type.startsWith("ticket.");
export const isConversationEvent = (type) => type.startsWith("conversation.");
