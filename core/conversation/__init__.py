"""The conversation: the assistant, routing, intake, delivery, recovery and the turn journal."""
