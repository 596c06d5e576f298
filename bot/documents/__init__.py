"""The documents: commands that write files — report, import, new, review, retro, init."""
