"""The Discord adapter: slash commands, persistent buttons and modals over `bots.core.Chat`.

`bots.discord.app.build_bot` builds the (unconnected) bot; each cog in `bots.discord.cogs`
turns one group of interactions into `Chat` calls; `bots.discord.send` turns a `Reply` into
Discord messages; `bots.discord.views` and `bots.discord.markdown` are pure builders.
"""
