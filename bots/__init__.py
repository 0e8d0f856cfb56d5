"""The ways in: chat adapters, the console chat, the link server and the command line."""
