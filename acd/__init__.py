"""The routing engine: pure Python, no I/O, time passed in.

Events go in through ``Engine.handle(event, now)``; decisions come out as plain
values that the service (``cti.routing``) carries out.
"""
