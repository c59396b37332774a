"""One cog per feature, each module ending in ``async def setup(bot)`` (loaded by name)."""
