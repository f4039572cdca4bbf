"""Customers and cases ("trámites"): the contact centre's record of the work done."""
