"""A HubSpot-compatible portal on loopback, for the demo, the tests and fault injection.

It is not a mock: the real hubspot-api-client talks to it over HTTP, and its responses follow
HubSpot's official OpenAPI files.
"""
