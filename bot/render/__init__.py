"""The renderers: every text a person reads — plain text, Markdown, Actions annotations.

Text from risk files reaches Markdown and the Actions log only through the escaping helpers of
:mod:`bot.render.markdown` and :mod:`bot.render.actions`, so escaping is audited in one place.
"""
