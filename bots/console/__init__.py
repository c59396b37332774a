"""The console adapter: answer tasks in a terminal through the same `bots.core.Chat`."""
