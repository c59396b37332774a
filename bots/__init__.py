"""Chat adapters (Telegram, Discord, console) over the engine's services. No business logic."""
