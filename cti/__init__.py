"""The asyncio service around the ACD: AMI, FastAGI, store, API, simulator."""

__version__ = "0.1.0"
